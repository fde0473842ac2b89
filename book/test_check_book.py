"""The book check catches what it must and nothing else: `python -m unittest book/test_check_book.py`."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_book import check_book  # noqa: E402

CLEAN = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="katex/katex.min.css"><link rel="canonical" href="https://example.org/page.html">
<script src="book.js"></script></head><body>
<p>The loss <span class="katex"><span class="katex-mathml"><math><semantics>
<annotation encoding="application/x-tex">\\ln V</annotation></semantics></math></span></span>,
a <a href="https://docs.rs/tch">link</a> and <img src="figures/loss.svg"> are fine.</p>
<pre><code>println!("\\\\( and $$ in code are code");</code></pre><p>Inline <code>\\[x\\]</code> too.</p>
</body></html>"""


def book_with(pages):
    """A temporary built book holding `pages` ({relative path: text})."""
    root = tempfile.mkdtemp()
    for path, text in pages.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w", encoding="utf-8") as f:
            f.write(text)
    return root


class CheckBook(unittest.TestCase):
    def problems(self, page, path="page.html"):
        _, problems = check_book(book_with({"index.html": CLEAN, path: page}))
        return problems

    def test_a_clean_page_passes(self):
        self.assertEqual(check_book(book_with({"index.html": CLEAN})), (1, []))

    def test_network_loads_fail(self):
        for page in [
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.1/MathJax.js"></script>',
            '<link rel="stylesheet" href="//cdn.jsdelivr.net/npm/katex@0.16.4/dist/katex.min.css">',
            '<img src="http://example.org/a.png">',
            '<img srcset="a.png 1x, https://example.org/b.png 2x">',
            "<style>@import url(https://fonts.googleapis.com/css?family=Open+Sans);</style>",
            '<style>@font-face { src: url("https://example.org/f.woff2") }</style>',
            '<div style="background: url(//example.org/bg.png)"></div>',
        ]:
            with self.subTest(page=page):
                self.assertEqual(len(self.problems(page)), 1, page)
                self.assertIn("from the network", self.problems(page)[0])

    def test_a_remote_font_in_a_stylesheet_fails(self):
        problems = self.problems("@font-face{src:url(https://example.org/KaTeX_Main.woff2)}", "theme/x.css")
        self.assertEqual(len(problems), 1)
        self.assertIn("theme/x.css:1: stylesheet loads https://example.org/KaTeX_Main.woff2", problems[0])

    def test_unrendered_formulas_fail(self):
        for page, leftover in [
            ("<p>the loss \\(\\ln V\\) of the guess</p>", "'\\\\('"),
            ("<p>\\[ p_i = e^{z_i} \\]</p>", "'\\\\['"),
            ("<li>$$ x^2 $$</li>", "'$$'"),
            ('<span class="katex-error" title="ParseError: Undefined control sequence">\\foo</span>', "KaTeX"),
        ]:
            with self.subTest(page=page):
                problems = self.problems(page)
                self.assertTrue(problems, page)
                self.assertIn(leftover, problems[0])

    def test_a_second_edition_in_a_subdirectory_is_checked(self):
        problems = self.problems("<p>\\(x\\)</p>", "zh-CN/ch01-models.html")
        self.assertTrue(problems)
        self.assertTrue(all("zh-CN/ch01-models.html:1:" in p for p in problems), problems)


if __name__ == "__main__":
    unittest.main()
