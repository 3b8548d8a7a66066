"""Evaluation errors pointing at file and line, and the evaluate command line."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

from tests.evaluate_case import EvaluateCase, ISSUE_EXAMPLE, PUSH_MAIN, SDK_DIR


class ErrorTest(EvaluateCase):
    def test_syntax_error(self):
        err = self.error("from plue import workflow\n\ndef broken(:\n    pass\n")
        self.assertIn("SyntaxError", err["message"])
        self.assertEqual(err["line"], 3)

    def test_unknown_trigger_name(self):
        err = self.error("from plue import workflow, on_push\n")
        self.assertIn("on_push", err["message"])
        self.assertEqual(err["line"], 1)

    def test_unknown_trigger_value(self):
        err = self.error(
            """
            from plue import workflow

            @workflow(triggers=["push"])
            def ci(ctx):
                pass
            """
        )
        self.assertIn("unknown trigger 'push'", err["message"])
        self.assertEqual(err["line"], 4)

    def test_cycle(self):
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                ctx.run("a", "true", depends_on=["c"])
                ctx.run("b", "true", depends_on=["a"])
                ctx.run("c", "true", depends_on=["b"])
            """
        )
        self.assertIn("cycle in depends_on", err["message"])
        self.assertIn("a -> c -> b -> a", err["message"])
        self.assertIn(err["line"], (5, 6, 7))

    def test_self_dependency_and_unknown_dependency(self):
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                ctx.run("a", "true", depends_on=["a"])
            """
        )
        self.assertIn("cycle", err["message"])
        self.assertEqual(err["line"], 5)
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                ctx.run("a", "true", depends_on=["nope"])
            """
        )
        self.assertIn("unknown step 'nope'", err["message"])

    def test_duplicate_step_names(self):
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                for i in range(2):
                    ctx.run("same", "true")
            """
        )
        self.assertIn("duplicate step name 'same'", err["message"])
        self.assertEqual(err["line"], 6)

    def test_forbidden_imports(self):
        for stmt in ("import os", "import subprocess", "from os import path", "import socket", "from . import x"):
            err = self.error(stmt + "\nfrom plue import workflow\n")
            self.assertIn("not allowed", err["message"], stmt)
            self.assertEqual(err["line"], 1)
        err = self.error("from plue import workflow\nx = __import__('os')\n")
        self.assertEqual(err["line"], 2)

    def test_open_is_not_available(self):
        err = self.error("from plue import workflow\ndata = open('/etc/passwd').read()\n")
        self.assertIn("NameError", err["message"])
        self.assertEqual(err["line"], 2)

    def test_runtime_error_in_workflow_body(self):
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                ctx.run("a", "true")
                return 1 / 0
            """
        )
        self.assertIn("ZeroDivisionError", err["message"])
        self.assertEqual(err["line"], 6)

    def test_bad_options(self):
        cases = {
            'ctx.run("a", "")': "non-empty shell command",
            'ctx.run("", "true")': "needs name=",
            'ctx.run("a", "true", retries=3)': "unknown option",
            'ctx.run("a", "true", timeout="forever")': "timeout",
            'ctx.run("a", "true", timeout=99999)': "timeout",
            'ctx.run("a", "true", env={"bad-name": "x"})': "invalid environment variable",
            'ctx.run("a", "true", env={"PLUE_X": "x"})': "reserved",
            'ctx.run("a", "true", depends_on=[3])': "depends_on",
            'ctx.agent("a", prompt="../../etc/passwd")': ".plue/prompts/",
            'ctx.agent("a", prompt=".plue/prompts/missing.prompt.md")': "does not exist",
            'ctx.run("a", "true", continue_on_error="yes")': "continue_on_error",
            'ctx.run("a", "true", network=1)': "network",
        }
        for call, message in cases.items():
            err = self.error(
                "from plue import workflow, push\n"
                "@workflow(triggers=[push()])\n"
                "def ci(ctx):\n"
                f"    {call}\n"
            )
            self.assertIn(message, err["message"], call)
            self.assertEqual(err["line"], 4, call)

    def test_bad_return_and_missing_workflow(self):
        err = self.error("from plue import workflow, push\n@workflow(triggers=[push()])\ndef ci(ctx):\n    return 'ok'\n")
        self.assertIn("must return", err["message"])
        self.assertEqual(err["line"], 2)
        err = self.error("from plue import push\nx = push()\n")
        self.assertIn("no @workflow", err["message"])

    def test_decorator_without_parentheses_and_duplicates(self):
        err = self.error("from plue import workflow\n@workflow\ndef ci(ctx):\n    pass\n")
        self.assertIn("parentheses", err["message"])
        err = self.error(
            "from plue import workflow, push\n"
            "@workflow(triggers=[push()])\ndef ci(ctx):\n    pass\n"
            "@workflow(triggers=[push()], name='ci')\ndef other(ctx):\n    pass\n"
        )
        self.assertIn("duplicate workflow name", err["message"])
        self.assertEqual(err["line"], 5)

    def test_infinite_recursion_is_an_error_not_a_crash(self):
        err = self.error(
            "from plue import workflow, push\n"
            "def f(n):\n    return f(n + 1)\n"
            "@workflow(triggers=[push()])\ndef ci(ctx):\n    f(0)\n"
        )
        self.assertIn("RecursionError", err["message"])


class CliTest(unittest.TestCase):
    def test_prints_one_json_document_and_keeps_user_prints_on_stderr(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "ci.py")
            with open(path, "w") as f:
                f.write(ISSUE_EXAMPLE.replace("def ci(ctx):\n", "def ci(ctx):\n    print('hello from ctx')\n"))
            env = {**os.environ, "PYTHONPATH": SDK_DIR}
            ok = subprocess.run(
                [sys.executable, "-m", "plue.evaluate", path, "--event", json.dumps(PUSH_MAIN), "--root", root],
                capture_output=True, text=True, env=env, timeout=20,
            )
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertEqual(len(ok.stdout.strip().splitlines()), 1)
            self.assertEqual(json.loads(ok.stdout)["workflows"][0]["file"], "ci.py")
            self.assertIn("hello from ctx", ok.stderr)
            bad = subprocess.run(
                [sys.executable, "-m", "plue.evaluate", path, "--event", "[1]"],
                capture_output=True, text=True, env=env, timeout=20,
            )
            self.assertEqual(bad.returncode, 1)
            self.assertIn("JSON object", json.loads(bad.stdout)["error"]["message"])

    def test_many_events_in_one_process(self):
        source = """\
from plue import workflow, push

seen = []

@workflow(triggers=[push(branches=["main", "b/*"])])
def ci(ctx):
    seen.append(ctx.event["ref"])
    ctx.run(name="n" + str(len(seen)), cmd="echo " + ctx.event["ref"])
"""
        refs = ["refs/heads/main", "refs/heads/b/1", "refs/heads/other", "refs/heads/b/2"]
        events = [{**PUSH_MAIN, "ref": r} for r in refs] + ["not an event"]
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "ci.py")
            with open(path, "w") as f:
                f.write(source)
            events_path = os.path.join(root, "events.json")
            with open(events_path, "w") as f:
                json.dump(events, f)
            env = {**os.environ, "PYTHONPATH": SDK_DIR}
            ok = subprocess.run(
                [sys.executable, "-m", "plue.evaluate", path, "--events-file", events_path, "--root", root],
                capture_output=True, text=True, env=env, timeout=20,
            )
            self.assertEqual(ok.returncode, 0, ok.stderr)
            results = json.loads(ok.stdout)["results"]
            self.assertEqual(len(results), 5)
            matched = [r["workflows"][0]["matched"] for r in results[:4]]
            self.assertEqual(matched, [True, True, False, True])
            # Each event runs the file afresh: module state does not carry over.
            self.assertEqual(results[3]["workflows"][0]["steps"][0]["name"], "n1")
            self.assertIn("refs/heads/b/2", results[3]["workflows"][0]["steps"][0]["cmd"])
            self.assertIn("JSON object", results[4]["error"]["message"])
            with open(events_path, "w") as f:
                f.write("{}")
            bad = subprocess.run(
                [sys.executable, "-m", "plue.evaluate", path, "--events-file", events_path],
                capture_output=True, text=True, env=env, timeout=20,
            )
            self.assertEqual(bad.returncode, 1)
            self.assertIn("JSON list", json.loads(bad.stdout)["error"]["message"])

    def test_serve_answers_one_request_from_stdin_as_the_command_line_does(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "ci.py")
            with open(path, "w") as f:
                f.write(ISSUE_EXAMPLE.replace("def ci(ctx):\n", "def ci(ctx):\n    print('noise')\n"))
            env = {**os.environ, "PYTHONPATH": SDK_DIR}

            def serve(request):
                return subprocess.run(
                    [sys.executable, "-m", "plue.evaluate", "--serve"],
                    input=request, capture_output=True, text=True, env=env, timeout=20,
                )

            cli = subprocess.run(
                [sys.executable, "-m", "plue.evaluate", path, "--event", json.dumps(PUSH_MAIN), "--root", root],
                capture_output=True, text=True, env=env, timeout=20,
            )
            one = serve(json.dumps({"file": path, "root": root, "event": PUSH_MAIN}))
            self.assertEqual(one.returncode, 0, one.stderr)
            self.assertEqual(json.loads(one.stdout), json.loads(cli.stdout))
            self.assertIn("noise", one.stderr)
            many = serve(json.dumps({"file": path, "root": root, "events": [PUSH_MAIN, PUSH_MAIN]}))
            self.assertEqual(json.loads(many.stdout)["results"], [json.loads(cli.stdout)] * 2)
            listed = serve(json.dumps({"file": path, "root": root}))
            self.assertIsNone(json.loads(listed.stdout)["workflows"][0]["matched"])
            for junk in ["", "not json", "[]", '{"root": "/"}', '{"file": 1}']:
                bad = serve(junk)
                self.assertEqual(bad.returncode, 1, junk)
                self.assertIn("must name a file", json.loads(bad.stdout)["error"]["message"])


if __name__ == "__main__":
    unittest.main()
