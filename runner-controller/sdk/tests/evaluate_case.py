"""The shared base of the evaluation tests: a workspace with .plue/ and the evaluate call."""

import os
import tempfile
import textwrap
import unittest

from plue.evaluate import evaluate_file

SDK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUSH_MAIN = {"type": "push", "repo": "alice/app", "ref": "refs/heads/main", "sha": "b" * 40}

ISSUE_EXAMPLE = """\
from plue import workflow, push, pull_request

@workflow(triggers=[push(branches=["main"]), pull_request(types=["opened", "synchronize"])],
          image="ubuntu:22.04")
def ci(ctx):
    install = ctx.run(name="install", cmd="npm ci")
    ctx.parallel([
        ctx.run(name="test", cmd="npm test", depends_on=[install]),
        ctx.run(name="lint", cmd="npm run lint", depends_on=[install]),
    ])
    return ctx.success()
"""


class EvaluateCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        os.makedirs(os.path.join(self.root, ".plue", "workflows"))
        os.makedirs(os.path.join(self.root, ".plue", "prompts"))
        with open(os.path.join(self.root, ".plue", "prompts", "review.prompt.md"), "w") as f:
            f.write("Review {{ diff }}\n")

    def tearDown(self):
        self.tmp.cleanup()

    def evaluate(self, source, event=PUSH_MAIN, name="ci.py"):
        path = os.path.join(self.root, ".plue", "workflows", name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(source))
        return evaluate_file(path, event, self.root)

    def error(self, source, event=PUSH_MAIN):
        doc = self.evaluate(source, event)
        self.assertIn("error", doc, doc)
        self.assertEqual(doc["error"]["file"], ".plue/workflows/ci.py")
        return doc["error"]
