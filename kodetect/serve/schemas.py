"""Request and response models of the HTTP API; they are its OpenAPI documentation.

The detection's own fields are not copied here: each response model is built once from its dataclass
(`kodetect.detection`, `kodetect.documents`), field by field, with the field's `description` metadata,
so the API cannot drift from what the library returns. Every field of a response is required, since
every response carries all of them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, field_validator

from kodetect.detection import (
    Attribution,
    Detection,
    Evidence,
    ModelInfo,
    NormalizationReport,
    ProfileInfo,
    SentenceScore,
)
from kodetect.detector import MODES, THRESHOLD_MODES
from kodetect.documents import ExtractedDocument
from kodetect.errors import InputError
from kodetect.explain.placement import Placement
from kodetect.profiles.profile import check_name


def response_model(source: type, name: str, nested: dict[type, type[BaseModel]] | None = None,
                   exclude: tuple[str, ...] = (), **extra: Any) -> type[BaseModel]:
    """A pydantic model named `name` with the fields of the dataclass `source` (minus `exclude`) and `extra`.

    Dataclass types among the field types (alone or in a list) are replaced by their models in `nested`.
    """
    nested = nested or {}
    hints = typing.get_type_hints(source)
    fields: dict[str, Any] = {
        f.name: (_swap(hints[f.name], nested), Field(description=f.metadata.get("description")))
        for f in dataclasses.fields(source) if f.name not in exclude
    }
    return create_model(name, __module__=__name__, **fields, **extra)


def _swap(annotation: Any, nested: dict[type, type[BaseModel]]) -> Any:
    if annotation in nested:
        return nested[annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.Union[tuple(_swap(arg, nested) for arg in typing.get_args(annotation))]  # noqa: UP007
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return list[_swap(item, nested)]
    return annotation


def check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


def check_profile_name(value: str) -> str:
    try:
        return check_name(value)
    except InputError as error:
        raise ValueError(str(error)) from error


# --- requests -------------------------------------------------------------------------------------------


class ScoringOptions(BaseModel):
    """Options every scoring request shares; each falls back to the server's setting."""

    mode: str | None = Field(None, description=f"Scoring mode: {', '.join(MODES)}. Default: the server's.")
    threshold_mode: str | None = Field(
        None,
        description="Decision thresholds: 'low-fpr' (at most 1% of human validation texts called AI) or "
        "'balanced' (more AI caught, more false accusations). Default: the server's.",
    )

    profile: str | None = Field(
        None,
        description="Name of a profile on the server (GET /v1/profiles): thresholds fitted to the owner's own "
        "writing, instead of a threshold mode. Default: the server's profile, if it has one.",
    )

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str | None) -> str | None:
        return check_choice("mode", value, MODES)

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str | None) -> str | None:
        return None if value is None else check_profile_name(value)

    @field_validator("threshold_mode")
    @classmethod
    def _threshold_mode(cls, value: str | None) -> str | None:
        return check_choice("threshold_mode", value, THRESHOLD_MODES)


class DetectRequest(ScoringOptions):
    text: str = Field(description="The Korean text to check (plain text).")


class BatchRequest(ScoringOptions):
    texts: list[str] = Field(description="Texts to check, in order; at most the server's max_batch_texts.")


class FeedbackRequest(BaseModel):
    detection_id: str = Field(description="The detection_id returned with a detection.")
    label: Literal["human", "ai"] = Field(description="Who really wrote the text.")
    comment: str | None = Field(None, max_length=2000, description="Optional remark.")


# --- responses ------------------------------------------------------------------------------------------

SentenceOut = response_model(SentenceScore, "SentenceOut")
EvidenceOut = response_model(Evidence, "EvidenceOut")
NormalizationOut = response_model(NormalizationReport, "NormalizationOut")
ModelRef = response_model(ModelInfo, "ModelRef")
ProfileRef = response_model(ProfileInfo, "ProfileRef")
PlacementOut = response_model(Placement, "PlacementOut")
AttributionOut = response_model(Attribution, "AttributionOut")
DetectionResponse = response_model(
    Detection, "DetectionResponse",
    nested={SentenceScore: SentenceOut, Evidence: EvidenceOut, NormalizationReport: NormalizationOut,
            ModelInfo: ModelRef, ProfileInfo: ProfileRef, Attribution: AttributionOut},
    detection_id=(str, Field(description="Identifier to send feedback about this detection.")),
    model_version=(str, Field(description="Version of the model that answered.")),
    placement=(PlacementOut | None, Field(description="Where the probability falls among the model's reference "
                                          "texts (people's and AI texts from sources it was not trained on); null "
                                          "when the model has none or the verdict abstains.")),
)
DocumentInfo = response_model(ExtractedDocument, "DocumentInfo", exclude=("text",))


class FileDetectionResponse(DetectionResponse):
    extracted_text: str = Field(description="The text extracted from the file; sentence offsets index it.")
    document: DocumentInfo


class BatchError(BaseModel):
    error: str = Field(description="Why this text could not be checked.")


class BatchResponse(BaseModel):
    results: list[DetectionResponse | BatchError] = Field(description="One item per input text, in order.")


class FeedbackResponse(BaseModel):
    status: Literal["stored"]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model_version: str


class ModelResponse(BaseModel):
    name: str
    version: str
    description: str | None = None
    trained_at: str | None = None
    default_threshold_mode: str
    thresholds: dict[str, dict[str, float]] = Field(description="Per threshold mode: AI and human probability cuts.")
    validation: dict[str, Any] = Field(description="Held-out validation: AUROC, TPR at 1%/5% FPR, FPR/TPR per mode.")
    training_set: dict[str, Any] = Field(description="Number of training texts per source and label.")
    signals: dict[str, dict[str, str]] = Field(description="Each signal the model reads, described in Korean "
                                               "('ko') and English ('en').")
    reference: dict[str, Any] | None = Field(None, description="The reference texts' probabilities as two "
                                             "histograms over [0, 1] ('edges', 'human', 'ai', each side summing "
                                             "to 1); null when the model carries none.")
    sentence_calibration: dict[str, Any] | None = Field(None, description="The sentence map's numbers "
                                                        "(min_hangul: shorter sentences get no probability).")


class ProfileSummary(BaseModel):
    name: str
    description: str | None = None
    mode: str = Field(description="The mode the profile was fitted in; requests naming it default to it.")
    model_version: str = Field(description="The model version the profile was fitted for.")
    created_at: str
    human_texts: int = Field(description="Known-human texts the thresholds were fitted on.")
    target_fpr: float
    fpr_bound: float = Field(description="95% upper bound on the rate at which such human texts are called AI.")
    usable: bool = Field(description="Whether the profile fits the model this server runs in its mode.")
    problem: str | None = Field(None, description="Why it cannot be used here, when it cannot.")


class ProfilesResponse(BaseModel):
    default: str | None = Field(description="The profile used when a request names neither a profile nor a "
                                            "threshold mode (in its mode).")
    profiles: list[ProfileSummary]


class QueueResponse(BaseModel):
    workers: int = Field(description="Scoring workers configured (processes, or 1 scoring in the server process).")
    workers_ready: int = Field(description="Workers ready to score now (fewer while one restarts).")
    busy: int = Field(description="Texts being scored now.")
    waiting_requests: int = Field(description="Requests waiting for a worker.")
    waiting_texts: int = Field(description="Texts waiting for a worker (a batch counts each of its texts).")
    expected_wait_s: float = Field(description="Expected wait of a request arriving now, in seconds.")
    budget_s: float = Field(description="Requests are admitted while the expected wait is at most this; "
                                        "beyond it they get 503 with Retry-After.")
    seconds_per_1000_chars: dict[str, float] = Field(
        description="Measured scoring time per mode, per 1,000 characters.")
    worker_restarts: int = Field(description="Workers replaced since the server started (crashed or stopped).")
