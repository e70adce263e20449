# One job per (dataset, label, mechanism, rate): every split of the protocol, tidy rows with provenance.


rule run:
    input:
        # A mask is a pure function of its spec (dataset, mechanism, rate, repeat, seed), all of which are in the
        # job's own params, so its file time says nothing: without ancient() a fresh clone (no metadata, checkout
        # order sets the times) would retrain every published job.  After a change to the mask code itself,
        # rerun with -R masks run.  (The code trigger is off for the same reason: profiles/default.)
        masks=lambda wildcards: [ancient(path) for path in PLAN.mask_paths(job_of(wildcards))],
    output:
        tsv=PLAN.path(C.RUN_PATH),
        extras=PLAN.path(C.EXTRAS_PATH),
    params:
        spec=job_spec,
    log:
        PLAN.path(C.JOB_LOG_PATH),
    benchmark:
        PLAN.path(C.BENCHMARK_PATH)
    threads: config["threads"]
    resources:
        mem_mb=job_resource("mem_mb"),
        runtime=job_resource("runtime"),
        gpu=job_resource("gpu"),
    conda:
        ENV
    script:
        "../scripts/run_job.py"
