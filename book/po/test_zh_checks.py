#!/usr/bin/env python3
"""The Chinese edition's checks, each shown to fail on a broken input and to pass on a good one.

Run by `make test` (book-zh-test): python3 book/po/test_zh_checks.py
"""
import copy
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "notebooks"))

import check_po  # noqa: E402
import check_zh_html  # noqa: E402
import english  # noqa: E402
import import_pages  # noqa: E402
import pofile  # noqa: E402
import zh_notebooks  # noqa: E402

HEADER = pofile.Entry("", "Content-Type: text/plain; charset=UTF-8\nLanguage: zh_CN\n")


class Temp(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="jielong-zh-test-"))

    def tearDown(self):
        shutil.rmtree(self.dir)


class PoCompleteness(Temp):
    def po(self, *entries):
        path = self.dir / "zh-CN.po"
        pofile.write(path, HEADER, list(entries))
        return path

    def test_untranslated_message_fails(self):
        path = self.po(pofile.Entry("Hello", "你好", ["#: src/a.md"]), pofile.Entry("World", "", ["#: src/b.md"]))
        self.assertFalse(check_po.check_translation(path, fail=True))
        self.assertEqual(check_po.per_page(path)["b.md"]["untranslated"], 1)

    def test_fuzzy_message_fails(self):
        path = self.po(pofile.Entry("Hello", "你好", ["#: src/a.md", "#, fuzzy"]))
        self.assertEqual(check_po.statistics(path)[0]["fuzzy"], 1)
        self.assertFalse(check_po.check_translation(path, fail=True))

    def test_complete_translation_passes(self):
        path = self.po(pofile.Entry("Hello", "你好", ["#: src/a.md"]), pofile.Entry("a \"b\"\nc", "甲“乙”\n丙"))
        self.assertEqual(check_po.statistics(path)[0], {"translated": 2, "fuzzy": 0, "untranslated": 0})
        self.assertTrue(check_po.check_translation(path, fail=True))


class PotMatchesBook(Temp):
    def test_committed_pot_passes(self):
        self.assertTrue(check_po.check_pot(pofile.POT))

    def test_stale_pot_fails(self):
        header, entries = pofile.read(pofile.POT)
        stale = self.dir / "messages.pot"
        pofile.write(stale, header, entries[1:] + [pofile.Entry("A paragraph the book no longer has.")])
        self.assertFalse(check_po.check_pot(stale))

    def test_po_not_merged_with_pot_fails(self):
        header, entries = pofile.read(pofile.POT)
        po = self.dir / "zh-CN.po"
        pofile.write(po, header, entries[:-1])
        self.assertFalse(check_po.check_po_matches_pot(po, pofile.POT))
        pofile.write(po, header, entries)
        self.assertTrue(check_po.check_po_matches_pot(po, pofile.POT))


def page(lang, edition, path, body, switch=True):
    nav = (f'<nav class="language-switch" data-page="{path}" data-edition="{edition}">'
           f'<a id="language-switch" href="x.html">x</a></nav>') if switch else ""
    return f'<html lang="{lang}"><body>{nav}<main>{body}</main></body></html>'


def formula(mathml, tex):
    """A formula as KaTeX writes it: MathML with the TeX as annotation (the visible HTML part left out)."""
    return (f'<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">'
            f'<semantics>{mathml}<annotation encoding="application/x-tex">{tex}</annotation></semantics>'
            f"</math></span></span>")


# L_{\text{uniform}}, and what KaTeX makes of gettext's L\_{\text{uniform}} without the \_ macro.
SUBSCRIPT = formula("<mrow><msub><mi>L</mi><mtext>uniform</mtext></msub></mrow>", r"L_{\text{uniform}}")
UNDERSCORE = formula('<mrow><mi>L</mi><mi mathvariant="normal">_</mi><mtext>uniform</mtext></mrow>',
                     r"L_{\text{uniform}}")
T_BELOW_1 = formula("<mrow><mi>T</mi><mo>&lt;</mo><mn>1</mn></mrow>", "T &lt; 1")


class BuiltHtml(Temp):
    def build(self, zh_body, zh_switch=True, zh_page=True, en_body="<p>One English paragraph here.</p>"):
        (self.dir / "zh-CN").mkdir()
        (self.dir / "a.html").write_text(page("en", "en", "a.md", en_body))
        if zh_page:
            (self.dir / "zh-CN" / "a.html").write_text(page("zh-CN", "zh-CN", "a.md", zh_body, zh_switch))
        return self.dir

    def test_good_build_passes(self):
        build = self.build("<p>一段中文，带 <code>some code that stays English</code>。</p>"
                           "<p>Vaswani, A. et al. (2017). <em>Attention Is All You Need</em>. NeurIPS.</p>"
                           '<td><span lang="en">exact match / partial credit</span></td>')
        self.assertEqual(check_zh_html.check_pages(build, ["a"]), [])
        self.assertEqual(check_zh_html.check_switches(build), ([], 2))
        self.assertEqual(check_zh_html.check_english(build, ["a"]), [])

    def test_same_formulas_in_another_order_pass(self):
        build = self.build(f"<p>中文 {T_BELOW_1}，{SUBSCRIPT}。</p>",
                           en_body=f"<p>{SUBSCRIPT} and {T_BELOW_1}.</p>")
        self.assertEqual(check_zh_html.check_formulas(build, ["a"]), [])

    def test_formula_rendered_differently_fails(self):
        build = self.build(f"<p>中文 {UNDERSCORE}，{T_BELOW_1}。</p>",
                           en_body=f"<p>{SUBSCRIPT} and {T_BELOW_1}.</p>")
        problems = check_zh_html.check_formulas(build, ["a"])
        self.assertEqual(len(problems), 1)
        self.assertIn(r"rendered differently (gettext changed its TeX): L_{\text{uniform}}", problems[0])

    def test_formula_left_unrendered_fails(self):
        build = self.build(r"<p>中文 \(T \&lt; 1\)。</p>", en_body=f"<p>{T_BELOW_1}.</p>")
        self.assertEqual(check_zh_html.check_formulas(build, ["a"]),
                         [f"{build}/zh-CN/a.html: English formula missing: T < 1"])

    def test_missing_chinese_page_fails(self):
        build = self.build("", zh_page=False)
        self.assertEqual(len(check_zh_html.check_pages(build, ["a"])), 1)

    def test_missing_switch_fails(self):
        build = self.build("<p>中文</p>", zh_switch=False)
        self.assertEqual(len(check_zh_html.check_switches(build)[0]), 1)

    def test_english_paragraph_fails(self):
        build = self.build("<p>中文</p><ul><li>This list item was never translated at all.</li></ul>")
        problems = check_zh_html.check_english(build, ["a"])
        self.assertEqual(len(problems), 1)
        self.assertIn("<li>", problems[0])

    def test_english_chart_where_a_chinese_one_exists_fails(self):
        figures = self.dir / "src-figures"
        for part in ("ch01", "zh/ch01", "ch02"):
            (figures / part).mkdir(parents=True)
        for name in ("ch01/loss.svg", "zh/ch01/loss.svg", "ch02/lr.svg"):
            (figures / name).write_text("<svg/>")
        build = self.build('<p>中文</p><img src="figures/ch01/loss.svg"><img src="figures/ch02/lr.svg">'
                           '<img src="figures/zh/ch01/loss.svg">')
        for name in ("figures/ch01/loss.svg", "figures/ch02/lr.svg", "figures/zh/ch01/loss.svg"):
            (build / "zh-CN" / name).parent.mkdir(parents=True, exist_ok=True)
            (build / "zh-CN" / name).write_text("<svg/>")
        self.assertEqual(check_zh_html.check_figures(build, ["a"], figures),
                         [f"{build}/zh-CN/a.html: shows the English run's figures/ch01/loss.svg; "
                          "the Chinese run's is figures/zh/ch01/loss.svg"])
        (build / "zh-CN" / "figures/ch02/lr.svg").unlink()
        self.assertEqual(len(check_zh_html.check_figures(build, ["a"], figures)), 2)

    def test_lang_en_of_the_whole_page_does_not_hide_its_text(self):
        build = self.build("<p>中文</p>")
        self.assertEqual(check_zh_html.read_page(build / "a.html").blocks, [("p", "One English paragraph here.")])

    def test_rule(self):
        self.assertTrue(english.is_english_left("The model learns which letters follow which."))
        self.assertFalse(english.is_english_left("模型学会了 which letters follow which。"))
        self.assertFalse(english.is_english_left('"Bide Kurur was born in Ovnel."'))
        self.assertFalse(english.is_english_left("GPT and LoRA (Hu et al., 2021)"))
        self.assertFalse(english.is_english_left(r"\\\[ \max\_\\theta \mathbb{E}_{y \sim \pi_\\theta} \\\]"))


class Pairing(unittest.TestCase):
    EN = [("A `x` b.", False), ("Second.", False), ("Third one.", False), ("// code", True), ("Last `y`.", False)]

    def test_same_structure_pairs_everything(self):
        zh = [("甲 `x`。", False), ("乙。", False), ("丙。", False), ("// code", True), ("丁 `y`。", False)]
        pairs, note = import_pages.pair_page(self.EN, zh)
        self.assertIsNone(note)
        self.assertEqual([z for _, z, _ in pairs], [z for z, _ in zh])

    def test_merged_paragraph_is_reported_and_not_paired(self):
        zh = [("甲 `x`。", False), ("乙。丙。", False), ("// code", True), ("丁 `y`。", False)]
        pairs, note = import_pages.pair_page(self.EN, zh)
        self.assertIn("EN has 5 messages, ZH 4: a block merged, split, added or dropped between EN message 2 and 3",
                      note)
        self.assertEqual(pairs, [])

    def test_changed_code_span_is_reported(self):
        zh = [("甲 `z`。", False), ("乙。", False), ("丙。", False), ("// code", True), ("丁 `y`。", False)]
        pairs, note = import_pages.pair_page(self.EN, zh)
        self.assertIn("only in EN: ['`x`']", note)
        self.assertEqual(len(pairs), 4)


class Notebooks(Temp):
    def setUp(self):
        super().setUp()
        self.en = zh_notebooks.english_notebook("01")
        self.zh = zh_notebooks.zh_path(self.en)

    def broken(self, change):
        notebook = json.loads(self.zh.read_text(encoding="utf-8"))
        change(notebook["cells"])
        path = self.dir / self.zh.name
        path.write_text(json.dumps(notebook, ensure_ascii=False))
        return zh_notebooks.problems(self.en, path)

    def first(self, cells, kind):
        return next(c for c in cells if c["cell_type"] == kind)

    def test_chinese_notebook_passes(self):
        self.assertEqual(zh_notebooks.problems(self.en, self.zh), [])

    def test_changed_code_fails(self):
        found = self.broken(lambda cells: self.first(cells, "code")["source"].append("\nlet drift = 1;"))
        self.assertEqual(len(found), 1)
        self.assertIn("code differs", found[0])

    def test_untranslated_text_fails(self):
        def untranslate(cells):
            english = self.first(json.loads(self.en.read_text(encoding="utf-8"))["cells"], "markdown")
            self.first(cells, "markdown")["source"] = copy.deepcopy(english["source"])
        found = self.broken(untranslate)
        self.assertEqual(len(found), 1)
        self.assertIn("left in English", found[0])

    def test_stale_translation_fails(self):
        found = self.broken(lambda cells: self.first(cells, "markdown")["metadata"].update(translation_of="0"))
        self.assertIn("English cell changed", found[0])


if __name__ == "__main__":
    unittest.main(buffer=True)  # a check's own report is shown only when its test fails
