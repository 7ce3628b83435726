"""Does Kiwi's typo handling change accuracy? The KatFish protocol with each Kiwi configuration.

    python bench/experiments/kiwi_options.py

Student essays carry typos, so the typo dictionary (and Kiwi's typo-correcting analysis) might
help the features. Each configuration re-extracts features into its own cache and runs the KatFish
protocol (KatFish train split only, 5 seeds). Start-up cost is measured in a fresh process.

Result: bench/results/kiwi_options.md (its printout). Decided: the dictionaries change no AUROC by more
than 0.04 and the multi-word one costs 2 s and 190 MB at start-up, so Kiwi loads neither
(`KIWI_OPTIONS` in kodetect/text/segment.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

CONFIGS = {
    "no typo or multi dictionaries (shipped)": {"load_typo_dict": False, "load_multi_dict": False},
    "typo dictionary": {"load_typo_dict": True, "load_multi_dict": False},
    "typo + multi-word dictionaries (Kiwi defaults)": {"load_typo_dict": True, "load_multi_dict": True},
}

RUN = """
import json, sys, time, resource
from kodetect.text import segment
segment.KIWI_OPTIONS.update(json.loads(sys.argv[1]))
t = time.perf_counter(); segment.analyze("첫 문장입니다."); start = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from kodetect.eval.protocols import katfish_protocol, mean_by
from kodetect.training.recipe import fast_recipe
means = mean_by(katfish_protocol(fast_recipe), lambda r: (r.genre,))
scores = {g[0]: round(100 * m[0], 2) for g, m in means.items()}
print(json.dumps({"start_s": round(start, 2), "rss_mb": round(rss), **scores}))
"""


def main() -> int:
    import json

    print("| Kiwi configuration | start-up to first result | RSS after start | essay | poetry | abstract |")
    print("|---|---|---|---|---|---|")
    for name, options in CONFIGS.items():
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "KODETECT_CACHE_DIR": cache}
            out = subprocess.run([sys.executable, "-c", RUN, json.dumps(options)], env=env, check=True,
                                 capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {name} | {r['start_s']} s | {r['rss_mb']} MB | {r['essay']} | {r['poetry']} | {r['abstract']} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
