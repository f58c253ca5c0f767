"""Lexical side of the hybrid index: a bilingual tokeniser and a BM25 index over it.

The dense model cannot read Chinese (most CJK characters become [UNK]), so for Chinese
questions this module carries the retrieval on its own. Tokens are produced so that the
same surface forms match however a user phrases them:

* Latin text: NFKC-normalised, lower-cased word tokens, no stemming. Hyphenated ids such as
  ``SZ-L2-M03`` are kept whole *and* split into their parts, so both "sz-l2-m03" and "m03"
  match.
* CJK runs: jieba's search-mode segmentation (words plus their in-dictionary sub-words),
  using a tokenizer that knows every short CJK term that occurs in the indexed docs, *plus*
  character bigrams of the run in a separate namespace, so a term that jieba segments
  differently in the question and in the doc still overlaps.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.text import CJK_CHAR, CJK_RUN, EN_FUNCTION_WORDS, ZH_FUNCTION_WORDS, ZH_PARTICLES
from assistant.core.text import plain as normalize

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import bm25s
    import jieba

# A Latin "word": letters/digits, optionally joined by -, _ or . (ids, codes, decimals).
_LATIN_WORD = re.compile(r"[^\W_]+(?:[-_.][^\W_]+)*")
_JOINERS = re.compile(r"[-_.]")
# Namespace prefix for CJK character bigrams, so they get their own IDF and never
# double-count with a jieba word that happens to be two characters long.
BIGRAM_PREFIX = "~"
# CJK runs up to this length are added to jieba as whole words (labels, synonyms). Longer
# runs are prose (descriptions) and would otherwise become one giant unmatched token.
MAX_AUTO_WORD_LEN = 8

_base_lock = threading.Lock()
_base_tokenizer: jieba.Tokenizer | None = None


def _jieba_base() -> jieba.Tokenizer:
    """jieba's default dictionary, loaded once per process, quietly.

    The first load per machine builds a cache file in the system temp dir (~1 s); later
    loads read it (~0.8 s). Every index copies this dictionary instead of reloading it.
    """
    global _base_tokenizer
    if _base_tokenizer is None:
        with _base_lock:
            if _base_tokenizer is None:
                import jieba

                # jieba logs "Building prefix dict..." at DEBUG/INFO to stderr otherwise.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _base_tokenizer = tokenizer
    return _base_tokenizer


def cjk_terms(text: str, *, max_len: int = MAX_AUTO_WORD_LEN) -> list[str]:
    """The CJK runs of `text` that are short enough to be a term (2..max_len chars)."""
    return [run for run in CJK_RUN.findall(normalize(text)) if 2 <= len(run) <= max_len]


class Analyzer:
    """Turns text into BM25 tokens; owns a private jieba tokenizer with the docs' words.

    A private tokenizer (a copy of the default dictionary, ~15 ms) instead of the global
    ``jieba.add_word`` keeps results deterministic: words added for one index never change
    how another index, or any other code using jieba, segments text. It is made on the first
    CJK text tokenised (or by `load_segmenter`): jieba's dictionary takes 1.3-1.6 s to read
    even from its cache, in one call that holds the GIL, and an index whose documents'
    tokens were kept on disk needs it only for Chinese questions.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        # Sorted, de-duplicated: add_word's suggested frequency depends on what was added
        # before, so a fixed order makes segmentation independent of the docs' order.
        self._words = [word for word in sorted({normalize(w).strip() for w in words})
                       if word and CJK_CHAR.search(word) and not any(ch.isspace() for ch in word)]
        self._jieba: jieba.Tokenizer | None = None
        self._jieba_lock = threading.Lock()

    def load_segmenter(self) -> None:
        """Load the Chinese segmenter now (a background warm-up), not on the first Chinese text."""
        self._segmenter()

    @property
    def segmenter_loaded(self) -> bool:
        return self._jieba is not None

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._jieba_lock:
                if self._jieba is None:
                    import jieba

                    base = _jieba_base()
                    tokenizer = jieba.Tokenizer()
                    # Share the loaded dictionary by copying it; jieba has no public clone API, but
                    # FREQ/total/initialized are the whole state `initialize()` would otherwise load.
                    tokenizer.FREQ = dict(base.FREQ)
                    tokenizer.total = base.total
                    tokenizer.initialized = True
                    for word in self._words:
                        tokenizer.add_word(word)
                    self._jieba = tokenizer
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        """All tokens of `text`, in order, with repeats (term frequency matters in docs)."""
        out: list[str] = []
        norm = normalize(text)
        pos = 0
        for match in CJK_RUN.finditer(norm):
            self._latin(norm[pos : match.start()], out)
            self._cjk(match.group(), out)
            pos = match.end()
        self._latin(norm[pos:], out)
        return out

    def query_tokens(self, text: str) -> list[str]:
        """Tokens of a question, de-duplicated in first-seen order.

        bm25s sums one score per query token, so a repeated token would silently double its
        weight; a question's words should each count once.
        """
        return list(dict.fromkeys(self.tokens(text)))

    @staticmethod
    def _latin(segment: str, out: list[str]) -> None:
        for word in _LATIN_WORD.findall(segment):
            if word in EN_FUNCTION_WORDS:
                continue
            out.append(word)
            if _JOINERS.search(word):
                # 'sz-l2-m03' -> also 'sz', 'l2', 'm03' so a partial id still matches.
                out.extend(part for part in _JOINERS.split(word) if part and part not in EN_FUNCTION_WORDS)

    def _cjk(self, run: str, out: list[str]) -> None:
        # HMM=False: the HMM guesses new words from character statistics, which splits
        # unknown names unpredictably; the dictionary plus bigrams is steadier.
        for word in self._segmenter().cut_for_search(run, HMM=False):
            if word not in ZH_FUNCTION_WORDS:
                out.append(word)
        for i in range(len(run) - 1):
            gram = run[i : i + 2]
            if not (ZH_PARTICLES & set(gram)):
                out.append(BIGRAM_PREFIX + gram)


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over the docs' texts; rebuilt in memory on open (fast)."""

    def __init__(self, texts: Sequence[str], *, extra_words: Iterable[str] = (),
                 corpus: Sequence[Sequence[str]] | None = None) -> None:
        """`corpus`: the texts' tokens as an earlier index made them (kept on disk), so opening
        needs no segmenter; the caller vouches that texts, words and code are the same."""
        import bm25s

        words: set[str] = set(extra_words)
        for text in texts:
            words.update(cjk_terms(text))
        self.analyzer = Analyzer(words)
        self.size = len(texts)
        self._bm25: bm25s.BM25 | None = None
        self.corpus = [list(tokens) for tokens in corpus] if corpus is not None else \
            [self.analyzer.tokens(text) for text in texts]
        if len(self.corpus) != self.size:
            raise ValueError(f"{len(self.corpus)} token lists for {self.size} texts")
        if any(self.corpus):
            # Short docs (labels + synonyms): a slightly lower k1 than the 1.5 default keeps
            # a doc that repeats one synonym from beating one that matches two words.
            bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
            bm25.index(self.corpus, show_progress=False)
            self._bm25 = bm25

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every doc for `query` (0.0 where nothing matches)."""
        result = np.zeros(self.size, dtype=np.float32)
        if self._bm25 is None:
            return result
        vocab = self._bm25.vocab_dict
        ids = [vocab[token] for token in self.analyzer.query_tokens(query) if token in vocab]
        if not ids:
            return result
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
