"""Glob translation and ordered include/exclude pattern lists."""

import unittest

from plue.globs import glob_match, match_list


class GlobTest(unittest.TestCase):
    def test_star_stays_within_a_segment(self):
        self.assertTrue(glob_match("release/*", "release/1.0"))
        self.assertFalse(glob_match("release/*", "release/1.0/hotfix"))
        self.assertFalse(glob_match("*", "a/b"))

    def test_double_star_crosses_segments(self):
        self.assertTrue(glob_match("release/**", "release/1.0/hotfix"))
        self.assertTrue(glob_match("**", "a/b/c"))
        self.assertTrue(glob_match("src/**/*.py", "src/a/b/c.py"))
        self.assertTrue(glob_match("src/**/*.py", "src/c.py"))
        self.assertFalse(glob_match("src/**/*.py", "lib/c.py"))
        self.assertTrue(glob_match("**/*.md", "README.md"))
        self.assertTrue(glob_match("**/*.md", "docs/x/README.md"))

    def test_question_mark_and_classes(self):
        self.assertTrue(glob_match("v?", "v1"))
        self.assertFalse(glob_match("v?", "v10"))
        self.assertTrue(glob_match("v[0-9].*", "v1.2"))
        self.assertFalse(glob_match("v[!0-9]", "v1"))
        self.assertTrue(glob_match("v[!0-9]", "vx"))

    def test_regex_metacharacters_are_literal(self):
        self.assertTrue(glob_match("a+b(c).txt", "a+b(c).txt"))
        self.assertFalse(glob_match("a.b", "axb"))
        self.assertTrue(glob_match("[unclosed", "[unclosed"))

    def test_whole_string_only(self):
        self.assertFalse(glob_match("main", "main2"))
        self.assertFalse(glob_match("main", "xmain"))
        self.assertFalse(glob_match("main", "main\n"))

    def test_exclusions_last_match_wins(self):
        pats = ["releases/**", "!releases/**-alpha", "releases/special-alpha"]
        self.assertTrue(match_list(pats, "releases/1.0"))
        self.assertFalse(match_list(pats, "releases/1.0-alpha"))
        self.assertTrue(match_list(pats, "releases/special-alpha"))
        self.assertFalse(match_list(pats, "main"))

    def test_only_exclusions_means_everything_else(self):
        self.assertTrue(match_list(["!docs/**"], "src/a.ts"))
        self.assertFalse(match_list(["!docs/**"], "docs/a.md"))


if __name__ == "__main__":
    unittest.main()
