"""``asyncplay list``: the lessons by level, or as JSON."""

from __future__ import annotations

import argparse
import json

from playground.cli.common import catalog, report_catalog_errors

NAME = "list"
HELP = "list the lessons"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def execute(args: argparse.Namespace) -> int:
    lessons = catalog(args)
    if args.json:
        print(json.dumps([
            {"slug": l.slug, "title": l.title, "summary": l.summary, "tags": list(l.tags),
             "level": l.level, "order": l.order, "lint": list(l.lint), "docs": list(l.docs),
             "related": list(l.related), "requires_python": l.requires_python,
             "python_notes": l.python_notes, "available": l.unavailable is None,
             "unavailable": l.unavailable,
             "bad": str(l.bad), "good": str(l.good), "uses_api": l.uses_api}
            for l in lessons.lessons
        ], indent=2))
    else:
        width = max((len(l.slug) for l in lessons.lessons), default=4)
        number = 0
        for index, (level, in_level) in enumerate(lessons.by_level()):
            if index:
                print()
            print(level)
            for lesson in in_level:
                number += 1
                print(f"{number:3d}. {lesson.slug:<{width}}  {lesson.title}")
                print(f"     {'':<{width}}  {lesson.summary}")
                if lesson.unavailable:
                    print(f"     {'':<{width}}  not available: {lesson.unavailable}")
        if not lessons.lessons:
            print("no lessons found")
    report_catalog_errors(lessons)
    return 0
