"""The app's keys: its bindings, and which actions a modal screen holds back.

Help (screens.py) lists every key (``HELP_KEYS``, here: the palette reads it too, and
help's module loads on its first showing); the footer (footer.py) orders the shown
ones, run keys and help first. Each binding's action is an ``action_*`` of the app or of one of
its mixins (replaying, stepper).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

__all__ = ["APP_BINDINGS", "HELP_KEYS", "RUN_ACTIONS"]

#: Actions that start or stop runs, refused while a modal screen is open.
RUN_ACTIONS = frozenset({"run", "stop", "next_lesson", "previous_lesson", "toggle_info",
                         "toggle_lessons", "open_file", "history", "timeline", "edit",
                         "run_edit", "switch_variant", "filter_lessons", "tab"})

#: The app's keys (help lists them all; the footer shows those with show=True).
APP_BINDINGS: list[BindingType] = [
    Binding("b", "run('bad')", "Run bad"),
    Binding("g", "run('good')", "Run good"),
    Binding("r", "run('both')", "Run both"),
    Binding("space", "run('both')", "Run both", show=False),
    Binding("s", "stop", "Stop"),
    Binding("n", "next_lesson", "Next"),
    Binding("p", "previous_lesson", "Previous"),
    # The list's own arrows, for when it is hidden (a narrow screen) or has no focus:
    # a focused widget that uses them (the list, the filter, the editor) gets them first.
    Binding("down", "next_lesson", "Next", show=False),
    Binding("up", "previous_lesson", "Previous", show=False),
    Binding("i", "toggle_info", "Texts"),
    Binding("l", "toggle_lessons", "Lessons"),
    Binding("o", "open_file", "Open file"),
    Binding("w", "save_run", "Save run"),
    Binding("h", "history", "History"),
    Binding("t", "timeline", "Timeline"),
    Binding("a", "await_graph", "Awaits", show=False),
    Binding("e", "edit", "Edit"),
    Binding("v", "switch_variant", "Edit other", show=False),
    # For the palette (ctrl+p): "Reset edit" (the editor's button does the same).
    Binding("ctrl+shift+r", "reset_edit", "Reset edit", show=False),
    # Priority: handled as it arrives, so that the filter has the focus before the
    # keys typed right after it ("/cpu" comes in one read) are routed.
    Binding("slash", "filter_lessons", "Filter lessons", show=False, key_display="/",
            priority=True),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("f1", "help", "Help", show=False),
    Binding("x", "step_mode", "Step mode", show=False),  # see stepper
    Binding("full_stop", "step_one", "One callback", show=False),
    Binding("c", "step_continue", "Continue", show=False),
    Binding("m", "step_slow", "Slow motion", show=False),
    Binding("F", "follow", "Follow presenter", show=False),
    Binding("1", "tab('tasks')", "Tasks", show=False),
    Binding("2", "tab('output')", "Output", show=False),
    Binding("3", "tab('problems')", "Problems", show=False),
]

#: The keys, as the help screen lists them.
HELP_KEYS: tuple[tuple[str, str], ...] = (
    ("b", "run the bad variant (the mistake)"),
    ("g", "run the good variant (the fix)"),
    ("r  space", "run both, side by side, at the same time"),
    ("s", "stop every run now"),
    ("n  p  ↑ ↓", "next / previous lesson"),
    ("home  end", "in the lesson list: the first / last lesson"),
    ("pgup  pgdn", "in the lesson list: a page up / down"),
    ("i", "show or hide the lesson's texts (more room for the runs)"),
    ("l", "show or hide the lesson list"),
    ("o", "open and run a file of your own, or replay a recording (.jsonl)"),
    ("w", "save the runs on screen as recordings (the path is shown)"),
    ("h", "this session's last runs: pick one to replay it"),
    ("t", "timeline: a lane per task, stalls, lag (+/- zoom, ← → pan)"),
    ("a", "await graph: which task awaits which, beside the task table"),
    ("e", "edit the variant's code (bad first; v edits the other): ctrl+r runs the "
          "edit, ctrl+s saves it, esc leaves the editor (the edit is kept), Reset brings "
          "back the lesson's text"),
    ("v", "edit the other variant (good, or bad from good's editor)"),
    ("/", "filter the lesson list by title, slug or tag: enter opens the best match, esc clears"),
    ("ctrl+p", "command palette: find a lesson (title, slug, tag) or an action"),
    ("x", "step mode: the next run starts with its loop stopped before its first callback"),
    (".  c  m", "stepped run: one callback / continue / slow motion (1, 5, 20 per second)"),
    ("1  2  3", "show the Tasks / Output / Problems tab of every run"),
    ("ctrl+shift+r", "reset the edit: bring back the lesson's text"),
    ("F", "follow the presenter again (when served)"),
    ("tab", "move between the lesson list, the run panes and their tables"),
    ("?  F1", "this help"),
    ("ctrl+q", "quit (twice while an edit is unsaved)"),
)
