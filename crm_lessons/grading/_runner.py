"""Runs nbgrader in a child process: ``python -m crm_lessons.grading._runner JOB.json``.

The grader starts one such process per submission (and one to prepare the
gradebook), so a submission that kills its kernel, loops forever or crashes
nbgrader ends only this process.  The job file names the course folder, the
gradebook URL and what to do; nothing about other students is in it.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    from crm_lessons.runner import skip_slow_optional_imports

    skip_slow_optional_imports()  # this process imports nbgrader (and so nbformat) for one submission
    job = json.loads(open(argv[0], encoding="utf-8").read())
    # nbgrader creates gradebooks by calling the `alembic` command: make the venv's one findable
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from crm_lessons.grading._config import nbgrader_config

    os.chdir(job["root"])
    config = nbgrader_config(
        job["root"],
        db_url=job["db_url"],
        timeout=job.get("timeout", 60),
        exchange=job.get("exchange"),
        kernel=job.get("kernel"),
        names=job.get("names"),
    )
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    results = []
    if job["action"] == "generate":
        for chapter in job["chapters"]:
            results.append(api.generate_assignment(chapter, force=True, create=True))
    elif job["action"] == "autograde":
        results.append(api.autograde(job["chapter"], job["student"], force=True, create=True))
        if results[-1]["success"]:
            results.append(api.generate_feedback(job["chapter"], job["student"], force=True))
    else:  # pragma: no cover
        raise ValueError(job["action"])
    for result in results:
        if not result["success"]:
            sys.stderr.write(result.get("log", "") + result.get("error", ""))
    return 0 if all(r["success"] for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
