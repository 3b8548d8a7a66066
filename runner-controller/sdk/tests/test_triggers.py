"""Trigger construction errors and matches(trigger, event)."""

import unittest

from plue import WorkflowError, issue_comment, manual, matches, pull_request, push, schedule
from plue.triggers import coerce_inputs


def push_event(ref, files=None, **extra):
    e = {"type": "push", "ref": ref, "sha": "a" * 40, **extra}
    if files is not None:
        e["changed_files"] = files
    return e


class PushTest(unittest.TestCase):
    def test_branch_globs(self):
        t = push(branches=["main", "release/**"])
        self.assertTrue(matches(t, push_event("refs/heads/main")))
        self.assertTrue(matches(t, push_event("refs/heads/release/1/2")))
        self.assertFalse(matches(t, push_event("refs/heads/feature")))
        self.assertFalse(matches(t, push_event("refs/tags/main")))

    def test_no_filter_matches_branches_and_tags(self):
        self.assertTrue(matches(push(), push_event("refs/heads/x")))
        self.assertTrue(matches(push(), push_event("refs/tags/v1")))
        self.assertFalse(matches(push(), push_event("refs/notes/x")))

    def test_tags_only_means_no_branches(self):
        t = push(tags=["v*"])
        self.assertTrue(matches(t, push_event("refs/tags/v1.0")))
        self.assertFalse(matches(t, push_event("refs/tags/x1.0")))
        self.assertFalse(matches(t, push_event("refs/heads/main")))

    def test_branches_only_means_no_tags(self):
        self.assertFalse(matches(push(branches=["**"]), push_event("refs/tags/v1")))

    def test_paths(self):
        t = push(branches=["main"], paths=["src/**", "!src/**/*.md"])
        self.assertTrue(matches(t, push_event("refs/heads/main", ["src/a/b.ts"])))
        self.assertFalse(matches(t, push_event("refs/heads/main", ["src/a/README.md"])))
        self.assertFalse(matches(t, push_event("refs/heads/main", ["docs/x.ts"])))
        self.assertTrue(matches(t, push_event("refs/heads/main", ["docs/x", "src/y.ts"])))
        self.assertFalse(matches(t, push_event("refs/heads/main", [])))
        # Unknown changed files (new branch): run rather than skip silently.
        self.assertTrue(matches(t, push_event("refs/heads/main")))

    def test_deleted_ref_and_bad_events(self):
        self.assertFalse(matches(push(), push_event("refs/heads/main", deleted=True)))
        self.assertFalse(matches(push(), {"type": "push"}))
        self.assertFalse(matches(push(), {"type": "pull_request", "action": "opened"}))
        self.assertFalse(matches(push(), None))
        self.assertFalse(matches(push(), "push"))

    def test_json_form_matches_like_the_object(self):
        t = push(branches=["main"])
        self.assertTrue(matches(t.to_json(), push_event("refs/heads/main")))
        self.assertFalse(matches(t.to_json(), push_event("refs/heads/dev")))

    def test_bad_patterns(self):
        with self.assertRaises(WorkflowError):
            push(branches=[1])
        with self.assertRaises(WorkflowError):
            push(paths=[""])
        self.assertEqual(push(branches="main").branches, ["main"])


class OtherTriggersTest(unittest.TestCase):
    def test_pull_request_types(self):
        t = pull_request(types=["opened", "landed"])
        self.assertTrue(matches(t, {"type": "pull_request", "action": "landed"}))
        self.assertFalse(matches(t, {"type": "pull_request", "action": "closed"}))
        default = pull_request()
        self.assertTrue(matches(default, {"type": "pull_request", "action": "synchronize"}))
        self.assertFalse(matches(default, {"type": "pull_request", "action": "closed"}))
        with self.assertRaises(WorkflowError):
            pull_request(types=["reopened"])
        with self.assertRaises(WorkflowError):
            pull_request(types=[])

    def test_issue_comment_contains_case_insensitive(self):
        t = issue_comment(contains="/retest")
        self.assertTrue(matches(t, {"type": "issue_comment", "comment": {"body": "pls /RETEST"}}))
        self.assertTrue(matches(t, {"type": "issue_comment", "body": "/retest"}))
        self.assertFalse(matches(t, {"type": "issue_comment", "comment": {"body": "lgtm"}}))
        self.assertFalse(matches(t, {"type": "issue_comment"}))
        self.assertTrue(matches(issue_comment(), {"type": "issue_comment", "body": "x"}))
        with self.assertRaises(WorkflowError):
            issue_comment(contains="")

    def test_manual_matches_named_workflow(self):
        t = manual(inputs={"target": str})
        self.assertTrue(matches(t, {"type": "manual", "workflow": "deploy"}, "deploy"))
        self.assertFalse(matches(t, {"type": "manual", "workflow": "other"}, "deploy"))
        self.assertTrue(matches(t, {"type": "manual"}, "deploy"))
        self.assertEqual(t.to_json()["inputs"], {"target": "string"})

    def test_manual_input_types(self):
        spec = manual(inputs={"n": int, "dry": "boolean", "env": ["staging", "prod"]}).inputs
        self.assertEqual(
            coerce_inputs(spec, {"n": "3", "dry": "true", "env": "prod", "extra": 1}),
            {"n": 3, "dry": True, "env": "prod", "extra": 1},
        )
        self.assertEqual(coerce_inputs(spec, None), {"n": None, "dry": None, "env": None})
        for bad in ({"n": "x"}, {"dry": "maybe"}, {"env": "dev"}):
            with self.assertRaises(WorkflowError):
                coerce_inputs(spec, bad)
        with self.assertRaises(WorkflowError):
            manual(inputs={"x": dict})
        with self.assertRaises(WorkflowError):
            manual(inputs={"bad name": str})

    def test_schedule(self):
        t = schedule(cron="0  3 * * 1-5")
        self.assertEqual(t.cron, "0 3 * * 1-5")
        self.assertTrue(matches(t, {"type": "schedule", "cron": "0 3 * * 1-5"}))
        self.assertFalse(matches(t, {"type": "schedule", "cron": "0 4 * * 1-5"}))
        for bad in (None, "* * *", "0 3 * * * *", "0 3 * * $"):
            with self.assertRaises(WorkflowError):
                schedule(cron=bad)


if __name__ == "__main__":
    unittest.main()
