"""The character n-gram block of the heads' input: stored without pickle, same numbers after a reload."""
import json

import numpy as np
import pytest

from moderation.classifier import load_classifier
from moderation.classifier.lexical import Lexical

TEXTS = ["Tecfidera hair loss, is it true?", "Stem cells cure MS, stop your meds!",
         "Is it true that stem cells cure MS?", "hair loss on tecfedera (sp?)", ""]


def test_transform_matches_scikit_learns_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer
    lex = Lexical.fit(TEXTS)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True).fit(TEXTS)
    assert lex.size == len(reference.vocabulary_)
    assert np.allclose(lex.transform(TEXTS).toarray(), reference.transform(TEXTS).toarray())


def test_rows_are_unit_length_and_misspellings_share_ngrams():
    lex = Lexical.fit(TEXTS)
    X = lex.transform(["Tecfidera hair loss", "tecfedera hair loss", "ocrelizumab infusion"])
    norms = np.linalg.norm(X.toarray(), axis=1)
    assert norms[0] == pytest.approx(1.0) and norms[1] == pytest.approx(1.0)
    assert X[0].multiply(X[1]).sum() > 0.5
    assert lex.transform([""]).nnz == 0


def test_arrays_reload_without_pickle(tmp_path):
    lex = Lexical.fit(TEXTS)
    np.savez(tmp_path / "lex.npz", **lex.arrays())
    with np.load(tmp_path / "lex.npz", allow_pickle=False) as z:
        again = Lexical.from_arrays({k: z[k] for k in z.files})
    assert np.array_equal(again.transform(TEXTS).toarray(), lex.transform(TEXTS).toarray())
    assert Lexical.from_arrays({}) is None


def test_trained_artifact_carries_the_vocabulary(trained_instance):
    version = (trained_instance / "models" / "CURRENT").read_text().strip()
    manifest = json.loads((trained_instance / "models" / version / "manifest.json").read_text())
    lexical = manifest["features"]["lexical"]
    assert lexical["analyzer"] == "char_wb" and lexical["size"] > 1000
    assert manifest["features"]["dim"] == manifest["features"]["embedding_dim"] + \
        len(manifest["features"]["rule_features"]) + lexical["size"]
    clf = load_classifier(trained_instance)
    assert clf.lexical is not None and clf.lexical.size == lexical["size"]


def test_sentence_contributions_split_each_ngram_over_the_sentences_holding_it(classifier):
    text = "Stem cells cure MS. Stop your meds now. Stem cells cure MS."
    post = classifier.lexical.transform([text])
    sentences = classifier.lexical.transform(["Stem cells cure MS.", "Stop your meds now.", "Stem cells cure MS."])
    contributions = classifier._lexical_contributions(post, sentences)
    for label, head in classifier.heads.items():
        ngram_logit = (post @ head.coef[classifier.dense_dim:]).item()
        assert contributions[label].sum() == pytest.approx(ngram_logit)
        assert contributions[label][0] == pytest.approx(contributions[label][2])


def test_counts_match_scikit_learn_on_awkward_text():
    """The word-cached counter must count exactly what CountVectorizer(char_wb) counts."""
    from sklearn.feature_extraction.text import CountVectorizer
    awkward = ["a I x", "ΣΟΦΟΣ σοφός İstanbul Straße", "tabs\tand\u00a0nbsp\u2003em  double  spaces\n\nlines",
               "🙂 emoji-only 🙂🙂", "", "   ", "Tecfidera TECFIDERA tecfidera", "x" * 40, "ab"]
    lex = Lexical.fit(TEXTS + awkward)
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                vocabulary={g: i for i, g in enumerate(lex.vocab.tolist())})
    for _ in range(2):  # the second pass reads the word cache
        assert (lex.counts(awkward + TEXTS) != reference.transform(awkward + TEXTS)).nnz == 0
