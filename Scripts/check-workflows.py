#!/usr/bin/env python3
"""Checks the CI templates: .github/workflows/*.yml and Scripts/slurm-study.sh.

Every workflow must parse as YAML and have `on` and `jobs`, every job `runs-on` and a non-empty
list of `steps`, every step `run` or `uses`. ci.yml must run on push and pull_request, call the
scripts .ci/run calls (the README test command, Scripts/test.sh), run the smoke suite allowing
exit 3, check it against Baselines/smoke.json and append Reports/smoke.md to the step summary.
study.yml must be started by workflow_dispatch (inputs suite and shards) and a schedule, run a
matrix of shards whose databases are uploaded under names the merge job downloads, and merge and
report those. Scripts/slurm-study.sh must parse (`bash -n`) and chain its array and merge jobs
with `--dependency=afterok:`. Every Scripts/ or Baselines/ path any of them names must exist.

    python3 Scripts/check-workflows.py [REPO]     # exit 0 all good, 1 with one line per problem

Scripts/test.sh (the README test command) runs it. Needs PyYAML
(Scripts/install-dependencies.sh installs it).
"""

import fnmatch
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("check-workflows: PyYAML is missing; run Scripts/install-dependencies.sh", file=sys.stderr)
    sys.exit(1)

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
WORKFLOWS = os.path.join(ROOT, ".github", "workflows")
problems = []


def problem(where, message):
    problems.append(f"{os.path.relpath(where, ROOT)}: {message}")


def triggers(workflow):
    # YAML 1.1 reads a bare `on` key as the boolean True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return on if isinstance(on, dict) else None


def run_text(job):
    """All `run` scripts of a job, joined (continuation lines folded)."""
    return "\n".join(step.get("run", "") for step in job.get("steps", []) if isinstance(step, dict)).replace(
        "\\\n", " "
    )


def uses(job, action):
    return [s for s in job.get("steps", []) if isinstance(s, dict) and str(s.get("uses", "")).startswith(action)]


def check_structure(path, workflow):
    if not isinstance(workflow, dict):
        problem(path, "is not a YAML mapping")
        return False
    if triggers(workflow) is None:
        problem(path, "has no 'on' triggers")
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        problem(path, "has no 'jobs'")
        return False
    for name, job in jobs.items():
        if not isinstance(job, dict):
            problem(path, f"job '{name}' is not a mapping")
            continue
        if "runs-on" not in job:
            problem(path, f"job '{name}' has no 'runs-on'")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problem(path, f"job '{name}' has no 'steps'")
            continue
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or not ("run" in step or "uses" in step):
                problem(path, f"job '{name}' step {index + 1} has neither 'run' nor 'uses'")
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            if need not in jobs:
                problem(path, f"job '{name}' needs unknown job '{need}'")
    return True


def check_paths(path, text):
    """Every Scripts/, Baselines/ and .ci/ file the commands name exists (comments may name others)."""
    for match in sorted(set(re.findall(r"(?<![\w./-])((?:Scripts|Baselines|\.ci)/[\w.-]+)", text))):
        if "${{" not in match and not os.path.exists(os.path.join(ROOT, match)):
            problem(path, f"names {match}, which does not exist")


def check_ci(path, workflow):
    on = triggers(workflow) or {}
    for event in ("push", "pull_request"):
        if event not in on:
            problem(path, f"does not run on {event}")
    text = "\n".join(run_text(job) for job in workflow["jobs"].values())
    with open(os.path.join(ROOT, ".ci", "run")) as handle:
        ci_run = handle.read()
    called = re.findall(r"^\s*(bash Scripts/[\w.-]+)", ci_run, re.MULTILINE)
    if not called:
        problem(os.path.join(ROOT, ".ci", "run"), "calls no Scripts/ script (expected bash Scripts/test.sh)")
    for command in called:
        if not re.search(r"^\s*" + re.escape(command) + r"\s*$", text, re.MULTILINE):
            problem(path, f"does not run `{command}` as .ci/run does")
    if not re.search(r"precond-bench run smoke\b.*\|\| \[ \$\? -eq 3 \]", text):
        problem(path, "does not run the smoke suite allowing exit 3 (`precond-bench run smoke ... || [ $? -eq 3 ]`)")
    if not re.search(r"precond-bench check --baseline Baselines/smoke\.json smoke\b", text):
        problem(path, "does not check the smoke suite against Baselines/smoke.json")
    if not re.search(r"precond-bench report smoke\b", text) or not re.search(
        r"Reports/smoke\.md\S*\s*>>\s*\"?\$GITHUB_STEP_SUMMARY", text
    ):
        problem(path, "does not render the smoke report and append Reports/smoke.md to $GITHUB_STEP_SUMMARY")


def check_study(path, workflow):
    on = triggers(workflow) or {}
    dispatch = on.get("workflow_dispatch") or {}
    inputs = dispatch.get("inputs") or {} if isinstance(dispatch, dict) else {}
    for name in ("suite", "shards"):
        if name not in inputs:
            problem(path, f"workflow_dispatch has no input '{name}'")
    schedule = on.get("schedule")
    if not (isinstance(schedule, list) and schedule and all(isinstance(s, dict) and "cron" in s for s in schedule)):
        problem(path, "has no schedule with a cron entry")
    jobs = workflow["jobs"]
    shard_jobs = [
        name for name, job in jobs.items() if "shard" in ((job.get("strategy") or {}).get("matrix") or {})
    ]
    if len(shard_jobs) != 1:
        problem(path, f"needs exactly one job with a 'shard' matrix, found {shard_jobs}")
        return
    shard_name = shard_jobs[0]
    shard = jobs[shard_name]
    text = run_text(shard)
    if not re.search(r"precond-bench run \"?\$SUITE\"? --shard \"?\$\{\{ matrix\.shard \}\}/\$SHARDS\"?", text):
        problem(path, f"job '{shard_name}' does not run `precond-bench run $SUITE --shard ${{{{ matrix.shard }}}}/$SHARDS`")
    database = "shard-${{ matrix.shard }}.sqlite"
    if f"--db \"{database}\"" not in text and f"--db {database}" not in text:
        problem(path, f"job '{shard_name}' does not write --db {database}")
    if "--resume" not in text:
        problem(path, f"job '{shard_name}' does not pass --resume")
    uploads = [s.get("with", {}) for s in uses(shard, "actions/upload-artifact")]
    upload_names = [u.get("name", "") for u in uploads if database in str(u.get("path", ""))]
    if not upload_names:
        problem(path, f"job '{shard_name}' does not upload {database}")
    # The merge job: needs the shard job, downloads what it uploaded, merges and reports.
    merges = [name for name, job in jobs.items() if "precond-bench merge" in run_text(job)]
    if len(merges) != 1:
        problem(path, f"needs exactly one job that runs precond-bench merge, found {merges}")
        return
    merge_name = merges[0]
    merge = jobs[merge_name]
    needs = [merge["needs"]] if isinstance(merge.get("needs"), str) else merge.get("needs", [])
    if shard_name not in needs:
        problem(path, f"job '{merge_name}' does not need '{shard_name}'")
    downloads = [s.get("with", {}) for s in uses(merge, "actions/download-artifact")]
    # An upload named shard-${{ matrix.shard }} is shard-1, shard-2, ...: the download pattern must match them.
    examples = [name.replace("${{ matrix.shard }}", "1") for name in upload_names]
    if not any(
        any(fnmatch.fnmatch(example, d.get("pattern", d.get("name", ""))) for example in examples) for d in downloads
    ):
        problem(path, f"job '{merge_name}' downloads no artifact named like {upload_names}")
    merge_text = run_text(merge)
    if not re.search(r"precond-bench merge \S*shard-\*\.sqlite --into merged\.sqlite", merge_text):
        problem(path, f"job '{merge_name}' does not run `precond-bench merge shard-*.sqlite --into merged.sqlite`")
    if not re.search(r"precond-bench report \"?\$SUITE\"? --db merged\.sqlite", merge_text):
        problem(path, f"job '{merge_name}' does not run `precond-bench report $SUITE --db merged.sqlite`")
    uploaded = " ".join(str(s.get("with", {}).get("path", "")) for s in uses(merge, "actions/upload-artifact"))
    for item in ("merged.sqlite", "Reports/", ".svg"):
        if item not in uploaded:
            problem(path, f"job '{merge_name}' does not upload {item}")


def check_slurm(path):
    if not os.path.exists(path):
        problem(path, "is missing")
        return
    result = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
    if result.returncode != 0:
        problem(path, "does not parse: " + result.stderr.strip())
    with open(path) as handle:
        text = handle.read()
    # Three jobs in a chain: the array waits for prepare, the merge for the whole array.
    if text.count('--dependency="afterok:') < 2:
        problem(path, 'does not chain the array and the merge job with --dependency="afterok:..."')
    for needle in ("--array", "SLURM_ARRAY_TASK_ID", "--shard", "--resume", " merge ",
                   "report"):
        if needle not in text:
            problem(path, f"has no {needle.strip()}")
    check_paths(path, "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))


def main():
    files = sorted(f for f in os.listdir(WORKFLOWS) if f.endswith((".yml", ".yaml"))) if os.path.isdir(WORKFLOWS) else []
    for required in ("ci.yml", "study.yml"):
        if required not in files:
            problem(os.path.join(WORKFLOWS, required), "is missing")
    for name in files:
        path = os.path.join(WORKFLOWS, name)
        with open(path) as handle:
            text = handle.read()
        try:
            workflow = yaml.safe_load(text)
        except yaml.YAMLError as error:
            problem(path, "is not valid YAML: " + " ".join(str(error).split()))
            continue
        if not check_structure(path, workflow):
            continue
        check_paths(path, "\n".join(run_text(job) for job in workflow["jobs"].values() if isinstance(job, dict)))
        if name == "ci.yml":
            check_ci(path, workflow)
        elif name == "study.yml":
            check_study(path, workflow)
    check_slurm(os.path.join(ROOT, "Scripts", "slurm-study.sh"))
    for line in problems:
        print("check-workflows: " + line, file=sys.stderr)
    if problems:
        return 1
    print(f"check-workflows: {len(files)} workflows and Scripts/slurm-study.sh OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
