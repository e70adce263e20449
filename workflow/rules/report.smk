# The paper-vs-ours report: every cell beside the paper's number, the paper's claims checked, C.5.


rule report:
    input:
        **PLAN.report_inputs(),
        code=RENDER_CODE,
    output:
        report(PLAN.render_path(C.REPORT_PATH), caption="../report/report.rst", category="Report"),
    params:
        spec=canonical_json(PLAN.report_spec()),
    log:
        PLAN.render_path("logs/render/report.log"),
    conda:
        ENV
    script:
        "../scripts/write_report.py"
