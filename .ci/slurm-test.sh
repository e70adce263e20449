#!/usr/bin/env bash
# The workflow's SLURM profile against a real one-node SLURM cluster (Debian packages, no systemd, root).
#
# Installs slurmctld, slurmd, slurm-client and munge, writes a one-node /etc/slurm/slurm.conf, starts the
# daemons, waits until the node is idle, then runs a tiny slice of the workflow (one mask and two training
# jobs on breast through sbatch; the tables and the report run locally) with `--profile profiles/slurm`
# into a temporary folder, checks its outputs, and stops the daemons it started (also on failure).
# See ../shared/notes/slurm-one-node.md.  Usage: bash .ci/slurm-test.sh   (from any folder; needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "$(id -u)" != 0 ]; then
    echo "slurm-test: needs root (it installs packages and starts the SLURM daemons)" >&2
    exit 1
fi
SNAKEMAKE=$ROOT/.venv/bin/snakemake
[ -x "$SNAKEMAKE" ] || SNAKEMAKE=$(command -v snakemake)

echo "== installing SLURM and munge"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null

WORK=$(mktemp -d /tmp/hexagan-slurm-test.XXXXXX)
STARTED_PIDS=()
CONF=/etc/slurm/slurm.conf
BACKUP=""
WROTE_CONF=0

cleanup() {
    local status=$?
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    if [ -n "$BACKUP" ]; then mv -f "$BACKUP" "$CONF"; elif [ "$WROTE_CONF" = 1 ]; then rm -f "$CONF"; fi
    if [ $status -eq 0 ]; then rm -rf "$WORK"; else echo "slurm-test: FAILED; files kept in $WORK" >&2; fi
    exit $status
}
trap cleanup EXIT

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

for daemon in slurmctld slurmd; do
    if pid_alive "/run/$daemon.pid"; then
        echo "slurm-test: $daemon is already running (pid $(cat /run/$daemon.pid)); stop it first" >&2
        exit 1
    fi
done

echo "== writing $CONF"
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
MEM=$((MEM * 9 / 10))
install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
install -d /var/spool/slurmd /etc/slurm
if [ -f "$CONF" ]; then BACKUP=$(mktemp "$CONF.backup.XXXXXX"); cp -p "$CONF" "$BACKUP"; fi
WROTE_CONF=1
cat > "$CONF" <<EOF
ClusterName=hexagan-ci
SlurmctldHost=$HOST
AuthType=auth/munge
SlurmUser=slurm
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=300
ReturnToService=2
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

echo "== starting munge, slurmctld, slurmd"
install -d -o munge -g munge /run/munge
if ! pid_alive /run/munge/munged.pid; then
    su -s /bin/sh munge -c /usr/sbin/munged
    for _ in $(seq 50); do pid_alive /run/munge/munged.pid && break; sleep 0.1; done
    STARTED_PIDS+=("$(cat /run/munge/munged.pid)")
fi
for daemon in slurmctld slurmd; do
    "/usr/sbin/$daemon"
    for _ in $(seq 50); do pid_alive "/run/$daemon.pid" && break; sleep 0.1; done
    pid_alive "/run/$daemon.pid" || { echo "slurm-test: $daemon did not start" >&2; tail -20 "/var/log/slurm/$daemon.log" >&2; exit 1; }
    STARTED_PIDS=("$(cat "/run/$daemon.pid")" "${STARTED_PIDS[@]}")
done
for i in $(seq 60); do
    state=$(sinfo -h -o %t 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    [ "$i" = 60 ] && { echo "slurm-test: the node is '$state', not idle, after 60 s" >&2; exit 1; }
    sleep 1
done
echo "   node $HOST idle ($CPUS CPUs, ${MEM} MB)"

echo "== running a slice of the workflow through --profile profiles/slurm"
cat > "$WORK/slice.yaml" <<'EOF'
output_dir: out
run_experiments: [slurm_smoke]
threads: 1
protocol: {repeats: [0], folds: [0, 1]}
experiments:
  slurm_smoke:
    kind: table
    caption: "SLURM smoke test: zero and column-mean imputation on breast."
    metric: rmse_rowmean
    datasets: [breast]
    mechanism: mcar
    rates: [0.2]
    methods: [zeros, mean]
EOF
start=$(date +%s)
"$SNAKEMAKE" --profile "$ROOT/profiles/slurm" --snakefile "$ROOT/workflow/Snakefile" --directory "$WORK" \
    --configfile "$WORK/slice.yaml" --slurm-init-seconds-before-status-checks 5 --jobs 2 \
    > "$WORK/snakemake.log" 2>&1 || { tail -60 "$WORK/snakemake.log" >&2; exit 1; }
echo "   finished in $(( $(date +%s) - start )) s"

echo "== checking the outputs"
submitted=$(grep -c "submitted with SLURM jobid" "$WORK/snakemake.log" || true)
if [ "$submitted" -lt 3 ]; then
    echo "slurm-test: expected 3 jobs submitted to SLURM, the log shows $submitted" >&2
    tail -40 "$WORK/snakemake.log" >&2
    exit 1
fi
for f in out/results/masks/breast/mcar_0.2/repeat0.npz out/results/runs/breast/mcar_0.2/zeros.tsv \
         out/results/runs/breast/mcar_0.2/mean.tsv out/results/tables/slurm_smoke.md out/results/report.md; do
    [ -s "$WORK/$f" ] || { echo "slurm-test: missing $f" >&2; tail -40 "$WORK/snakemake.log" >&2; exit 1; }
done
grep -q "Column mean" "$WORK/out/results/tables/slurm_smoke.md"
echo "slurm-test: OK ($submitted jobs ran through SLURM; table and report written)"
