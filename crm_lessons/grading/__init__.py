"""Assign and grade the chapter exercises with nbgrader (machinery; needs ``pip install crm-lessons[grading]``).

* :func:`assign_course` writes an nbgrader course folder from the chapter
  notebooks and releases the student versions (``crm-lessons assign``);
* :func:`grade_course` collects submissions, autogrades each one in its own
  temporary copy of the course, writes feedback and the gradebook CSV
  (``crm-lessons grade``).

The science modules never import this package.
"""

from __future__ import annotations

from crm_lessons.grading.assign import assign_course, chapter_id, course_chapters
from crm_lessons.grading.grade import GRADE_STATUSES, grade_course

__all__ = ["GRADE_STATUSES", "assign_course", "chapter_id", "course_chapters", "grade_course"]
