# One rule per kind of output: tables (CSV, Markdown, LaTeX), figures (PDF, PNG + the CSV behind them),
# and the statistics of appendix C.5.


rule table:
    input:
        runs=lambda wildcards: PLAN.experiment_inputs(wildcards.name)["runs"],
        code=RENDER_CODE,
    output:
        csv=PLAN.render_path(C.TABLE_PATH, name="{name}", ext="csv"),
        md=report(
            PLAN.render_path(C.TABLE_PATH, name="{name}", ext="md"),
            caption="../report/table.rst",
            category="Tables",
            labels={"experiment": "{name}", "format": "Markdown"},
        ),
        tex=report(
            PLAN.render_path(C.TABLE_PATH, name="{name}", ext="tex"),
            caption="../report/table.rst",
            category="Tables",
            labels={"experiment": "{name}", "format": "LaTeX"},
        ),
    params:
        spec=experiment_spec,
        caption=experiment_caption,
    wildcard_constraints:
        name=_one_of(PLAN.enabled(C.TABLE_KINDS)),
    log:
        PLAN.render_path("logs/render/{name}.log"),
    conda:
        ENV
    script:
        "../scripts/render_table.py"


rule figure:
    input:
        runs=lambda wildcards: PLAN.experiment_inputs(wildcards.name)["runs"],
        extras=lambda wildcards: PLAN.experiment_inputs(wildcards.name)["extras"],
        code=RENDER_CODE,
    output:
        csv=PLAN.render_path(C.TABLE_PATH, name="{name}", ext="csv"),
        pdf=PLAN.render_path(C.FIGURE_PATH, name="{name}", ext="pdf"),
        png=report(
            PLAN.render_path(C.FIGURE_PATH, name="{name}", ext="png"),
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{name}"},
        ),
    params:
        spec=experiment_spec,
        caption=experiment_caption,
    wildcard_constraints:
        name=_one_of(PLAN.enabled(C.FIGURE_KINDS)),
    log:
        PLAN.render_path("logs/render/{name}.log"),
    conda:
        ENV
    script:
        "../scripts/render_figure.py"


rule stats:
    input:
        runs=lambda wildcards: PLAN.experiment_inputs(wildcards.name)["runs"],
        code=RENDER_CODE,
    output:
        csv=PLAN.render_path(C.TABLE_PATH, name="{name}", ext="csv"),
        md=report(
            PLAN.render_path(C.TABLE_PATH, name="{name}", ext="md"),
            caption="../report/stats.rst",
            category="Significance",
            labels={"experiment": "{name}", "format": "Markdown"},
        ),
        tex=PLAN.render_path(C.TABLE_PATH, name="{name}", ext="tex"),
    params:
        spec=experiment_spec,
        caption=experiment_caption,
    wildcard_constraints:
        name=_one_of(PLAN.enabled(("stats",))),
    log:
        PLAN.render_path("logs/render/{name}.log"),
    conda:
        ENV
    script:
        "../scripts/render_stats.py"
