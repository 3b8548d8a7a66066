"""Evaluating workflow files into plans, and every kind of error pointing at file and line."""

import json
import os
import subprocess
import sys
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


class LimitsTest(EvaluateCase):
    def test_limits_go_into_the_plan(self):
        doc = self.evaluate("""\
            from plue import workflow, push

            @workflow(triggers=[push()], memory="512m", pids=64, cpus=1.5)
            def ci(ctx):
                ctx.run(name="t", cmd="true")
            """)
        [wf] = doc["workflows"]
        self.assertEqual(wf["limits"], {"memory_bytes": 512 * 1024**2, "pids": 64, "cpus": 1.5})

    def test_no_limits_is_null(self):
        [wf] = self.evaluate(ISSUE_EXAMPLE)["workflows"]
        self.assertIsNone(wf["limits"])

    def test_bad_limits_point_at_the_decorator(self):
        for bad, message in [
            ('memory="lots"', "memory must be"),
            ('memory="1m"', "between 16 MiB"),
            ("pids=3", "pids must be"),
            ("pids=True", "pids must be"),
            ("cpus=0", "cpus must be"),
            ('cpus="2"', "cpus must be"),
        ]:
            err = self.error(f"""\
                from plue import workflow, push

                @workflow(triggers=[push()], {bad})
                def ci(ctx):
                    ctx.run(name="t", cmd="true")
                """)
            self.assertIn(message, err["message"], bad)
            self.assertEqual(err["line"], 3, bad)


class PlanTest(EvaluateCase):
    def test_issue_example(self):
        doc = self.evaluate(ISSUE_EXAMPLE)
        [wf] = doc["workflows"]
        self.assertEqual(wf["name"], "ci")
        self.assertEqual(wf["file"], ".plue/workflows/ci.py")
        self.assertEqual(wf["image"], "ubuntu:22.04")
        self.assertTrue(wf["matched"])
        self.assertEqual([s["id"] for s in wf["steps"]], ["install", "test", "lint"])
        self.assertEqual(wf["steps"][1]["depends_on"], ["install"])
        self.assertEqual(wf["steps"][2]["depends_on"], ["install"])
        self.assertEqual(wf["steps"][0]["line"], 6)
        self.assertEqual(wf["result"], {"status": "success", "message": None})
        json.dumps(doc)  # the whole document is JSON-serialisable

    def test_unmatched_workflow_is_listed_but_not_run(self):
        doc = self.evaluate(ISSUE_EXAMPLE, {"type": "push", "ref": "refs/heads/dev"})
        [wf] = doc["workflows"]
        self.assertFalse(wf["matched"])
        self.assertIsNone(wf["steps"])

    def test_without_event_lists_definitions(self):
        doc = self.evaluate(ISSUE_EXAMPLE, None)
        [wf] = doc["workflows"]
        self.assertIsNone(wf["matched"])
        self.assertEqual(wf["triggers"][1], {"type": "pull_request", "types": ["opened", "synchronize"]})

    def test_real_python_loops_conditions_helpers_and_context(self):
        doc = self.evaluate(
            """
            import json, re
            from plue import workflow, push, manual

            def matrix(ctx, versions):
                return [ctx.run(name=f"test-{v}", cmd=f"tox -e py{v}") for v in versions]

            @workflow(triggers=[push(), manual(inputs={"full": bool})], env={"CI": True}, timeout="30m")
            def build(ctx):
                steps = matrix(ctx, ["310", "311"] if ctx.ref == "refs/heads/main" else ["311"])
                if ctx.inputs.get("full"):
                    steps.append(ctx.run("slow", "make slow"))
                ctx.run("report", ["echo", ctx.sha, ctx.repo], depends_on=steps, env={"X": 1})
            """
        )
        [wf] = doc["workflows"]
        self.assertEqual(wf["timeout"], 1800)
        self.assertEqual(wf["env"], {"CI": "true"})
        names = [s["name"] for s in wf["steps"]]
        self.assertEqual(names, ["test-310", "test-311", "report"])
        report = wf["steps"][-1]
        self.assertEqual(report["depends_on"], ["test-310", "test-311"])
        self.assertEqual(report["cmd"], "echo " + "b" * 40 + " alice/app")
        self.assertEqual(report["env"], {"CI": "true", "X": "1"})
        self.assertEqual(report["timeout"], 1800)
        with open(os.path.join(self.root, ".plue/workflows/ci.py")) as f:
            source = f.read()
        manual_doc = self.evaluate(
            source,
            {**PUSH_MAIN, "type": "manual", "workflow": "build", "ref": "refs/heads/x", "inputs": {"full": "yes"}},
        )
        self.assertIn("workflows", manual_doc, manual_doc)
        self.assertEqual([s["name"] for s in manual_doc["workflows"][0]["steps"]], ["test-311", "slow", "report"])

    def test_secrets_are_names_only(self):
        doc = self.evaluate(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def deploy(ctx):
                ctx.run("publish", "npm publish", env={"NODE_AUTH_TOKEN": ctx.secrets.NPM_TOKEN},
                        secrets=["SENTRY_DSN"])
            """
        )
        step = doc["workflows"][0]["steps"][0]
        self.assertEqual(step["secret_env"], {"NODE_AUTH_TOKEN": "NPM_TOKEN", "SENTRY_DSN": "SENTRY_DSN"})
        self.assertEqual(step["secrets"], ["NPM_TOKEN", "SENTRY_DSN"])
        self.assertEqual(step["env"], {})

    def test_secret_in_a_string_is_refused(self):
        err = self.error(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def deploy(ctx):
                ctx.run("publish", f"curl -H 'token: {ctx.secrets.TOKEN}' x")
            """
        )
        self.assertIn("secret 'TOKEN' cannot be put into a string", err["message"])
        self.assertEqual(err["line"], 5)

    def test_llm_and_agent_steps(self):
        doc = self.evaluate(
            """
            from plue import workflow, pull_request
            @workflow(triggers=[pull_request()])
            def review(ctx):
                summary = ctx.llm("summarise", prompt=".plue/prompts/review.prompt.md", vars={"n": 1})
                ctx.agent("review", prompt=".plue/prompts/review.prompt.md", depends_on=summary, max_turns=5)
            """,
            {"type": "pull_request", "action": "opened"},
        )
        llm, agent = doc["workflows"][0]["steps"]
        self.assertEqual(llm["type"], "llm")
        self.assertEqual(llm["vars"], {"n": 1})
        self.assertNotIn("cmd", llm)
        self.assertEqual(agent["type"], "agent")
        self.assertEqual(agent["max_turns"], 5)
        self.assertEqual(agent["depends_on"], ["summarise"])
        self.assertEqual(agent["prompt"], ".plue/prompts/review.prompt.md")

    def test_step_outputs_feed_later_steps(self):
        doc = self.evaluate(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def review(ctx):
                s = ctx.llm("summarise", prompt=".plue/prompts/review.prompt.md")
                ctx.agent("fix", prompt=".plue/prompts/review.prompt.md",
                          vars={"goal": s.output.summary, "first": s.output["items"][0], "n": [1, {"a": None}]})
            """,
            {"type": "push", "ref": "refs/heads/main"},
        )
        _, fix = doc["workflows"][0]["steps"]
        self.assertEqual(fix["depends_on"], ["summarise"])
        self.assertEqual(fix["vars"]["goal"], {"$output": {"step": "summarise", "path": ["summary"]}})
        self.assertEqual(fix["vars"]["first"], {"$output": {"step": "summarise", "path": ["items", 0]}})
        self.assertEqual(fix["vars"]["n"], [1, {"a": None}])
        for body, message in [
            ('b = ctx.run("b", "true")\n    ctx.agent("c", prompt=".plue/prompts/review.prompt.md", vars={"x": b.output})',
             "only llm and agent steps have an output"),
            ('s = ctx.llm("s", prompt=".plue/prompts/review.prompt.md")\n    ctx.run("c", f"echo {s.output.summary}")',
             "is only known when step 's' has run"),
        ]:
            err = self.error(
                "from plue import workflow, push\n@workflow(triggers=[push()])\ndef w(ctx):\n    " + body + "\n",
                {"type": "push", "ref": "refs/heads/main"},
            )
            self.assertIn(message, err["message"])

    def test_fail_result_and_forward_name_dependencies(self):
        doc = self.evaluate(
            """
            from plue import workflow, push
            @workflow(triggers=[push()])
            def ci(ctx):
                ctx.run("b", "true", depends_on="a", continue_on_error=True, timeout=5, network=True)
                ctx.run("a", "true")
                return ctx.fail("not today")
            """
        )
        wf = doc["workflows"][0]
        self.assertEqual(wf["result"], {"status": "failure", "message": "not today"})
        self.assertEqual(wf["steps"][0]["depends_on"], ["a"])
        self.assertTrue(wf["steps"][0]["continue_on_error"])
        self.assertEqual(wf["steps"][0]["timeout"], 5)
        self.assertTrue(wf["steps"][0]["network"])
        self.assertFalse(wf["steps"][1]["network"])

    def test_several_workflows_in_one_file(self):
        doc = self.evaluate(
            """
            from plue import workflow, push, schedule
            @workflow(triggers=[push()])
            def one(ctx):
                ctx.run("x", "true")
            @workflow(triggers=[schedule(cron="0 3 * * *")])
            def nightly(ctx):
                ctx.run("y", "true")
            """
        )
        self.assertEqual([(w["name"], w["matched"]) for w in doc["workflows"]], [("one", True), ("nightly", False)])


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


if __name__ == "__main__":
    unittest.main()
