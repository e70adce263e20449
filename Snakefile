# The workflow, run from the repository's root:  snakemake --cores 2 --configfile config/quick.yaml
# Its rules, scripts and report captions live in workflow/; workflow/Snakefile also works as the main
# Snakefile (the tests and the SLURM check name it with --snakefile).


include: "workflow/Snakefile"


# An include keeps the including file's default target (here none), so name the workflow's own.
workflow.default_target = "all"
