"""Tune the claim bank's similarity threshold with the real encoder (all-MiniLM-L6-v2).

    nice .venv/bin/python bench/claim_threshold.py [--backend torch-fp32]

Embeds the seed claims (moderation/known_data/claims.json) and two sets of hand-written sentences that are
not in the bank: SAYS (each says one seed claim in other words; index of the claim) and RELATED (about the
same topics but saying something else: true statements, personal experience, other claims). Prints the
similarity distributions and, per threshold, how many SAYS sentences match their claim and how many RELATED
sentences match anything. The chosen value is DEFAULT_THRESHOLD in moderation/classifier/claims.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAYS = [
    (0, "Mercury leaking out of old tooth fillings is the real cause of multiple sclerosis."),
    (0, "After my dentist removed all my amalgams my MS disappeared."),
    (1, "Diet Coke is full of aspartame and that's what triggers MS."),
    (1, "The methanol released by sweeteners damages your myelin and gives you MS."),
    (2, "Most MS diagnoses are actually undiagnosed Lyme disease."),
    (2, "Take antibiotics for a few months, your MS is just Lyme that doctors missed."),
    (3, "The hepatitis B shot is what gave me multiple sclerosis."),
    (4, "MS comes from narrowed neck veins and getting them opened up cures it."),
    (4, "The liberation treatment unblocked my jugular and my MS is gone."),
    (5, "With enough vitamin D you can stop your MS without any DMTs."),
    (5, "High dose vitamin D therapy halts MS so I quit my medication."),
    (6, "Going paleo reversed my MS and healed my lesions, no meds needed."),
    (6, "A strict diet can undo MS damage completely."),
    (7, "Stem cell treatment cures multiple sclerosis so you can throw away your meds."),
    (7, "The stem cells they gave me in Mexico cured my MS."),
    (8, "PML is made up by pharma and the JCV test is a money grab."),
    (9, "The MS medications are what cause people to get more disabled."),
    (9, "Disease modifying drugs actually make MS progress faster."),
    (10, "The contrast they inject for MRI scans causes new lesions."),
    (11, "A relapse is just your body detoxing, never take steroids for it."),
    (12, "HSCT carries no real risk at all."),
    (13, "Everyone with MS is in a wheelchair within a few years and dead in fifteen."),
]
RELATED = [
    "I had my amalgam fillings replaced last year because one cracked.",
    "My dentist asked whether I have any conditions like MS before the procedure.",
    "I drink a lot of diet soda and wonder if I should cut down for general health.",
    "Lyme disease can cause symptoms that look like MS, so my neurologist tested me for it.",
    "I got my hepatitis B vaccine before starting Ocrevus as my neuro recommended.",
    "Vaccines are recommended for people with MS before starting some DMTs.",
    "I read about the CCSVI trials from 2010 and how they turned out.",
    "My neurologist checks my vitamin D level every year and I take 2000 IU a day.",
    "Low vitamin D is linked to a higher risk of developing MS.",
    "Eating well and exercising helps me manage my fatigue.",
    "I follow a Mediterranean diet alongside my Tecfidera.",
    "I'm on the waiting list for aHSCT at the hospital and I'm nervous about the chemo.",
    "HSCT was hard on me: I had infections and lost my hair for months.",
    "My JCV index came back at 0.9 so we are discussing switching from Tysabri.",
    "PML is rare but serious, which is why they test for JC virus.",
    "I've been on Kesimpta for two years and my MRI is stable.",
    "My DMT gives me headaches and flushing on the first days.",
    "I had an MRI with contrast yesterday and the cannula hurt.",
    "Gadolinium can build up in the body, so some centres scan without contrast when they can.",
    "I had a relapse last month and the steroids made me unable to sleep.",
    "Steroids shorten a relapse but don't change the long-term course.",
    "I've had MS for 22 years and I still walk with a stick.",
    "My aunt used a wheelchair in her last years with MS.",
    "Stem cell research for progressive MS is moving slowly but there are trials.",
    "The clinic in Cancun quoted me 25,000 dollars for stem cells, has anyone been?",
    "My fatigue is worse in summer, the heat really gets to me.",
    "Does anyone else get pins and needles in their hands at night?",
    "I'm starting Ocrevus next week and would love tips for the infusion day.",
]

# (claim, sentence, stance): the same claims asked about and argued against
STANCE = [
    (0, "Is it true that mercury fillings cause MS?", "asks"),
    (0, "Mercury fillings do not cause MS, that was looked at years ago.", "refutes"),
    (1, "My mum keeps telling me aspartame gave me MS.", "asks"),
    (1, "There is no evidence that aspartame causes MS.", "refutes"),
    (4, "Does opening the neck veins really cure MS?", "asks"),
    (4, "The liberation procedure was tested in trials and it doesn't work.", "refutes"),
    (5, "Someone in my group said high dose vitamin D means you can stop your DMT.", "asks"),
    (5, "Vitamin D does not stop MS progression on its own, keep taking your DMT.", "refutes"),
    (7, "The idea that stem cell clinics cure MS is a myth.", "refutes"),
    (8, "PML is a myth and the JCV test is a scam.", "asserts"),
    (8, "Saying PML isn't real is dangerous nonsense.", "refutes"),
    (11, "A relapse is just your body detoxing, never take steroids for it.", "asserts"),
    (13, "MS does not always lead to a wheelchair.", "refutes"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="torch-fp32")
    ap.add_argument("--onnx", help="an encoder.onnx to use (e.g. the shipped fine-tuned one the worker runs); "
                                   "implies --backend onnx-int8")
    args = ap.parse_args()
    from moderation.classifier.claims import ClaimBank, ClaimEntry, encoder_embed
    from moderation.classifier.encoder import Encoder

    seed = json.loads((ROOT / "moderation" / "known_data" / "claims.json").read_text())["claims"]
    entries = [ClaimEntry(i, c["claim"], tuple(c["paraphrases"]), c["evidence_url"]) for i, c in enumerate(seed)]
    encoder = Encoder("onnx-int8", onnx_path=args.onnx, threads=1) if args.onnx else Encoder(args.backend, threads=1)
    bank = ClaimBank(entries, encoder_embed(encoder))
    says = bank.similarities([s for _, s in SAYS])
    related = bank.similarities(RELATED)
    own = np.array([says[r, k] for r, (k, _) in enumerate(SAYS)])
    right = np.array([int(np.argmax(says[r])) == k for r, (k, _) in enumerate(SAYS)])
    rel_best = related.max(axis=1)
    print(f"SAYS own-claim similarity: min {own.min():.3f} median {np.median(own):.3f}; best claim right "
          f"{right.sum()}/{len(SAYS)}")
    print(f"RELATED best similarity: median {np.median(rel_best):.3f} max {rel_best.max():.3f}")
    for r in np.argsort(-rel_best)[:5]:
        print(f"  related {rel_best[r]:.3f} -> claim {int(np.argmax(related[r]))}: {RELATED[r]}")
    for r in np.argsort(own)[:5]:
        print(f"  says {own[r]:.3f} (claim {SAYS[r][0]}): {SAYS[r][1]}")
    t = bank.threshold
    stance_ok = 0
    for k, sentence, want in STANCE:
        got = bank.match([sentence])
        how = got[0].stance if got and got[0].claim_id == k else "no match"
        stance_ok += how == want
        if how != want:
            print(f"  stance: wanted {want}, got {how}: {sentence}")
    print(f"stance right {stance_ok}/{len(STANCE)} at threshold {t:.2f}")
    asserted = [m for m in bank.match(RELATED) if m.stance == "asserts"]
    print(f"RELATED sentences that would count as asserting a claim at {t:.2f}: {len(asserted)}/{len(RELATED)}")
    for m in asserted:
        print(f"  {m.similarity:.3f} claim {m.claim_id}: {m.sentence}")
    print("threshold  says-matched  related-matched")
    for t in np.arange(0.50, 0.81, 0.02):
        print(f"  {t:.2f}      {int(((own >= t) & right).sum()):2d}/{len(SAYS)}        "
              f"{int((rel_best >= t).sum()):2d}/{len(RELATED)}")


if __name__ == "__main__":
    main()
