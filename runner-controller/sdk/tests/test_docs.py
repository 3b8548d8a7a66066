"""Every complete workflow example in docs/workflows.md evaluates without error."""

import os
import re
import tempfile
import unittest

from plue.evaluate import evaluate_file

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "workflows.md")
EVENTS = [
    None,
    {"type": "push", "ref": "refs/heads/main", "sha": "abc", "repo": "me/app"},
    {"type": "pull_request", "action": "opened", "sha": "abc"},
    {"type": "manual", "workflow": "deploy", "inputs": {"target": "staging", "dry_run": "no"}},
    {"type": "schedule", "cron": "0 3 * * *"},
    {"type": "issue_comment", "issue": {"number": 1, "title": "t", "body": ""}, "comment": {"body": "@plue review please"}},
]


class DocExamplesTest(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(DOC), "docs/workflows.md not present")
    def test_examples_evaluate(self):
        with open(DOC, encoding="utf-8") as f:
            blocks = [b for b in re.findall(r"```python\n(.*?)```", f.read(), re.S) if "from plue import" in b and "@workflow" in b]
        self.assertGreaterEqual(len(blocks), 4)
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, ".plue", "prompts"))
            open(os.path.join(root, ".plue", "prompts", "review.prompt.md"), "w").close()
            open(os.path.join(root, ".plue", "prompts", "answer.prompt.md"), "w").close()
            matched = 0
            for i, block in enumerate(blocks):
                path = os.path.join(root, f"example{i}.py")
                with open(path, "w") as f:
                    f.write(block)
                for event in EVENTS:
                    doc = evaluate_file(path, event, root)
                    self.assertNotIn("error", doc, f"example {i} with {event}: {doc}")
                    matched += sum(1 for w in doc["workflows"] if w["matched"])
            self.assertGreaterEqual(matched, len(blocks))


if __name__ == "__main__":
    unittest.main()
