"""Prints the figures of one Lighthouse JSON report (read from the file given)."""
import json
import sys

report = json.load(open(sys.argv[1]))
categories, audits = report["categories"], report["audits"]
score = lambda name: categories[name]["score"] * 100
ms = lambda name: audits[name]["numericValue"]
print(
    f"{report['finalDisplayedUrl']}: performance {score('performance'):.0f}, "
    f"accessibility {score('accessibility'):.0f}, best practices {score('best-practices'):.0f}; "
    f"LCP {ms('largest-contentful-paint'):.0f} ms, TBT {ms('total-blocking-time'):.0f} ms, "
    f"FCP {ms('first-contentful-paint'):.0f} ms"
)
for category in ("performance", "accessibility", "best-practices"):
    for ref in categories[category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"   {category}: {ref['id']} ({audit['score']}): {audit['title']}")
