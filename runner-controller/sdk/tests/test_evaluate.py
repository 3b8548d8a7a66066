"""Evaluating workflow files into plans."""

import json
import os

from tests.evaluate_case import EvaluateCase, ISSUE_EXAMPLE, PUSH_MAIN


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
