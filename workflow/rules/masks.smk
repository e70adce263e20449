# One mask file per (dataset, mechanism, rate, repeat), shared by every method and fold.


rule masks:
    output:
        PLAN.path(C.MASK_PATH),
    params:
        spec=mask_spec,
    log:
        PLAN.path(C.MASK_LOG_PATH),
    resources:
        mem_mb=lambda wildcards: 8000 if wildcards.dataset.startswith(("mnist", "celeba")) else 2000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/make_masks.py"
