"""Rule run: train every split of one (dataset, label, mechanism, rate); tidy rows with provenance."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json
import os

from hexagan.suite.constants import CHECKPOINTS_PATH
from hexagan.suite.forkserver import run_step

spec = json.loads(snakemake.params.spec)
spec.update(data_dir=snakemake.config["data_dir"], plugins=snakemake.config["plugins"])
# A rerun of a killed job (--rerun-incomplete, a requeued cluster job) resumes from its checkpoints.
every = snakemake.config["checkpoint_every"]  # validated: the schema's default filled in
checkpoints = None if every is None else os.path.join(snakemake.config["output_dir"], CHECKPOINTS_PATH)
run_step("hexagan.suite.job:run_job_to_files", snakemake.log[0], spec=spec, mask_files=list(snakemake.input.masks),
         tsv=snakemake.output.tsv, extras=snakemake.output.extras, threads=snakemake.threads,
         checkpoints=checkpoints, checkpoint_every=every or 0)
