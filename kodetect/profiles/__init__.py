"""Profiles: thresholds fitted to the writing a deployment actually checks.

A threshold chosen on the vendor's data cannot promise a false-positive rate on a genre it never saw;
the people who deploy the detector often own exactly the texts that can (last years' essays, letters
written before chat models). A profile is fitted on them (`kodetect profile create`) with a stated
bound on its false-positive rate, and replaces a threshold mode wherever one is chosen
(`Detector(profile=...)`, `--profile`, the API's `profile`).

`bounds` the Clopper-Pearson arithmetic, `fit` the thresholds, `profile` the file format and its
model check, `store` where profiles live, `build` scoring the owner's texts, `feedback` the server's
feedback as input.
"""

from kodetect.profiles.profile import Profile, ProfileError
from kodetect.profiles.store import PROFILE_DIR_ENV, list_profiles, load_profile, profile_dir

__all__ = ["PROFILE_DIR_ENV", "Profile", "ProfileError", "list_profiles", "load_profile", "profile_dir"]
