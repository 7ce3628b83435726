"""Building the model-family classifier (`kodetect train --attribution`): its data, families, fit and
artifact. What answers a request lives in `kodetect.attribution`."""
