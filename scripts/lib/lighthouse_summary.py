"""Prints the figures of the median of several Lighthouse JSON reports of one
page (the files given): the run with the median performance score, and the
range of the scores over all runs."""
import json
import sys

runs = sorted((json.load(open(path)) for path in sys.argv[1:]),
              key=lambda r: r["categories"]["performance"]["score"])
report = runs[len(runs) // 2]
categories, audits = report["categories"], report["audits"]
score = lambda name: categories[name]["score"] * 100
ms = lambda name: audits[name]["numericValue"]
print(
    f"{report['finalDisplayedUrl']}: performance {score('performance'):.0f}, "
    f"accessibility {score('accessibility'):.0f}, best practices {score('best-practices'):.0f}; "
    f"LCP {ms('largest-contentful-paint'):.0f} ms, TBT {ms('total-blocking-time'):.0f} ms, "
    f"FCP {ms('first-contentful-paint'):.0f} ms, CLS {ms('cumulative-layout-shift'):.3f}"
)
perf = [r["categories"]["performance"]["score"] * 100 for r in runs]
print(f"   performance over {len(runs)} runs: {min(perf):.0f}-{max(perf):.0f} (median run shown)")
for category in ("performance", "accessibility", "best-practices"):
    for ref in categories[category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"   {category}: {ref['id']} ({audit['score']}): {audit['title']}")

