"use strict";
// kodetect web page: plain JS, no build step, no external assets. Talks to the API next to it.

const TEXTS = {
  ko: {
    title: "한국어 AI 생성 글 판별기",
    pasteLabel: "검사할 글을 붙여 넣으세요",
    pastePlaceholder: "여기에 글을 붙여 넣으세요…",
    dropHint: "또는 파일을 끌어다 놓거나 눌러서 고르세요 (.txt .docx .pdf .hwp .hwpx)",
    clearFile: "파일 지우기",
    thresholdLabel: "판정 기준",
    modeLabel: "검사 방식",
    modeFast: "빠르게 (문체·어휘 분석)",
    modeDeep: "정밀하게 (언어 모델 추가, 느림)",
    modeLowFpr: "신중하게 (사람 글을 AI로 잘못 판정하는 일이 가장 적음)",
    modeBalanced: "균형 (AI 글을 더 많이 찾지만 오판도 늘어남)",
    submit: "검사하기",
    checking: "검사 중…",
    waiting: "대기 중…",
    waitingNote: (q) => `다른 글을 먼저 검사하고 있어 차례를 기다리는 중입니다 (대기 ${q.waiting_texts}건` +
      (q.expected_wait_s >= 1 ? `, 약 ${Math.ceil(q.expected_wait_s)}초` : "") + "). 차례가 되면 자동으로 검사합니다.",
    resultTitle: "결과",
    probability: "AI가 썼을 확률",
    noProbability: "계산하지 않음",
    caution: "어떤 탐지기도 AI 사용을 단정하는 유일한 근거가 되어서는 안 됩니다.",
    sentencesTitle: "문장별 점수",
    legendHuman: "사람 쪽", legendAi: "AI 쪽", legendNone: "점수 없음",
    evidenceTitle: "근거",
    evName: "신호", evValue: "값", evDirection: "방향", evDescription: "설명",
    dir: { ai: "AI 쪽", human: "사람 쪽", neutral: "중립" },
    feedbackQuestion: "이 판정이 맞나요?",
    feedbackQuestionOpen: "실제로 누가 쓴 글인가요? 알려 주시면 모델 개선에 쓰입니다.",
    right: "맞아요", wrong: "틀렸어요", byHuman: "사람이 썼어요", byAi: "AI가 썼어요",
    thanks: "고맙습니다! 보내 주신 의견은 모델을 개선하는 데 쓰입니다.",
    modelVersion: "모델 버전",
    document: (d) => `파일 형식: ${d.format}` + (d.pages ? `, ${d.pages}쪽` : "") +
      (d.warnings.length ? ` · 참고: ${d.warnings.join("; ")}` : ""),
    verdicts: {
      ai: ["AI", "AI가 쓴 글일 가능성이 높습니다. 다만 이 결과만으로 AI 사용을 단정하지 말고, 글쓴이와 이야기해 보세요."],
      human: ["사람", "사람이 쓴 글로 보입니다. AI 글이 이 판정을 받는 경우는 검증에서 2% 이하였습니다."],
      uncertain: ["불확실", "사람의 글과 AI의 글 사이 애매한 구간에 있습니다. 도구가 판단할 수 없어 '모른다'고 솔직하게 답합니다."],
      insufficient: ["분량 부족", "한글이 50자보다 적어 판단하기에 글이 너무 짧습니다. 더 긴 글을 넣어 주세요."],
      "unsupported-language": ["지원하지 않는 언어", "글자의 절반 이상이 한글이 아니어서 판단하지 않았습니다. 이 도구는 한국어 글만 검사합니다."],
    },
    empty: "검사할 글을 넣거나 파일을 고르세요.",
    busy: "서버가 다른 글을 검사하느라 바쁩니다. 잠시 뒤 다시 시도하세요.",
    busyRetry: (s) => `서버가 다른 글을 검사하느라 바쁩니다. ${s}초 뒤에 다시 시도하세요.`,
    failed: "검사하지 못했습니다",
    feedbackFailed: "의견을 보내지 못했습니다",
    toggle: "English",
  },
  en: {
    title: "Korean AI-generated text detector",
    pasteLabel: "Paste the text to check",
    pastePlaceholder: "Paste Korean text here…",
    dropHint: "or drop a file here, or click to choose one (.txt .docx .pdf .hwp .hwpx)",
    clearFile: "remove file",
    thresholdLabel: "Decision thresholds",
    modeLabel: "Mode",
    modeFast: "Fast (style and wording)",
    modeDeep: "Deep (adds a language model; slower)",
    modeLowFpr: "Cautious (fewest human texts wrongly called AI)",
    modeBalanced: "Balanced (catches more AI text, more false accusations)",
    submit: "Check",
    checking: "Checking…",
    waiting: "Waiting…",
    waitingNote: (q) => `Other texts are being checked first; this one is waiting its turn (${q.waiting_texts} waiting` +
      (q.expected_wait_s >= 1 ? `, about ${Math.ceil(q.expected_wait_s)} s` : "") + "). It will be checked automatically.",
    resultTitle: "Result",
    probability: "Probability the text was written by AI",
    noProbability: "not computed",
    caution: "No detector should be the sole basis for accusing a person of using AI.",
    sentencesTitle: "Sentence scores",
    legendHuman: "human-like", legendAi: "AI-like", legendNone: "no score",
    evidenceTitle: "Evidence",
    evName: "Signal", evValue: "Value", evDirection: "Direction", evDescription: "Description",
    dir: { ai: "towards AI", human: "towards human", neutral: "neutral" },
    feedbackQuestion: "Is this verdict right?",
    feedbackQuestionOpen: "Who really wrote it? Telling us helps improve the model.",
    right: "Right", wrong: "Wrong", byHuman: "A person wrote it", byAi: "AI wrote it",
    thanks: "Thank you! Your feedback helps improve the model.",
    modelVersion: "Model version",
    document: (d) => `File format: ${d.format}` + (d.pages ? `, ${d.pages} pages` : "") +
      (d.warnings.length ? ` · note: ${d.warnings.join("; ")}` : ""),
    verdicts: {
      ai: ["AI", "Probably written by AI. Do not treat this alone as proof; talk with the author."],
      human: ["Human", "Looks written by a person. In validation at most 2% of AI texts got this verdict."],
      uncertain: ["Uncertain", "Between human and AI: the tool cannot tell, and says so."],
      insufficient: ["Too short", "Fewer than 50 Hangul characters: too little text to judge. Please give a longer text."],
      "unsupported-language": ["Unsupported language", "Less than half of the letters are Hangul; this tool only checks Korean text."],
    },
    empty: "Paste a text or choose a file first.",
    busy: "The server is busy checking other texts. Please try again in a few seconds.",
    busyRetry: (s) => `The server is busy checking other texts. Please try again in ${s} s.`,
    failed: "Could not check the text",
    feedbackFailed: "Could not send the feedback",
    toggle: "한국어",
  },
};

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("kodetect-lang") === "en" ? "en" : "ko";
let chosenFile = null;
let current = null; // {detection, text}

function t(key) { return TEXTS[lang][key]; }

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  $("lang-toggle").textContent = t("toggle");
  if (current) renderResult(current.detection, current.text);
}

// --- input: text or file --------------------------------------------------------------------------------

function chooseFile(file) {
  chosenFile = file || null;
  $("file-chosen").hidden = !chosenFile;
  $("file-name").textContent = chosenFile ? chosenFile.name : "";
  if (!chosenFile) $("file").value = "";
}

const drop = $("drop-zone");
drop.addEventListener("click", (e) => { if (e.target.id !== "file-clear") $("file").click(); });
drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files.length) chooseFile(e.dataTransfer.files[0]);
});
$("file").addEventListener("change", (e) => chooseFile(e.target.files[0]));
$("file-clear").addEventListener("click", (e) => { e.stopPropagation(); chooseFile(null); });
$("lang-toggle").addEventListener("click", () => {
  lang = lang === "ko" ? "en" : "ko";
  localStorage.setItem("kodetect-lang", lang);
  applyLanguage();
});

// --- calling the API ------------------------------------------------------------------------------------

async function errorMessage(response) {
  // Retry-After marks the queue's "busy" (or a worker being replaced): say when to come back.
  const retryAfter = Number(response.headers.get("Retry-After"));
  if (response.status === 503 && retryAfter > 0) return t("busyRetry")(retryAfter);
  if (response.status === 503) return t("busy");
  try {
    const body = await response.json();
    // FastAPI validation errors are a list of {msg}; ours are one string.
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    return `${t("failed")}: ${detail}`;
  } catch {
    return `${t("failed")} (HTTP ${response.status})`;
  }
}

// While a check is pending, look at the queue after a second and then now and then: if texts wait for a
// worker, say this one is waiting its turn rather than leave "checking" on screen for a long time.
const QUEUE_FIRST_LOOK_MS = 1000, QUEUE_LOOK_EVERY_MS = 3000;

function watchQueue(button) {
  let timer = null;
  const look = async () => {
    try {
      const response = await fetch("v1/queue");
      const queue = response.ok ? await response.json() : null;
      const queued = queue && (queue.waiting_texts > 0 || queue.busy >= queue.workers_ready);
      if (timer === null) return; // answered meanwhile
      button.textContent = t(queued ? "waiting" : "checking");
      $("waiting").hidden = !queued;
      if (queued) $("waiting").textContent = t("waitingNote")(queue);
    } catch { /* the check's own answer will tell */ }
    if (timer !== null) timer = setTimeout(look, QUEUE_LOOK_EVERY_MS);
  };
  timer = setTimeout(look, QUEUE_FIRST_LOOK_MS);
  return () => { clearTimeout(timer); timer = null; $("waiting").hidden = true; };
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

$("check-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError("");
  const text = $("text").value;
  const thresholdMode = $("threshold-mode").value;
  const mode = $("mode").value;
  let request;
  if (chosenFile) {
    const form = new FormData();
    form.append("file", chosenFile);
    form.append("threshold_mode", thresholdMode);
    form.append("mode", mode);
    request = fetch("v1/detect/file", { method: "POST", body: form });
  } else if (text.trim()) {
    request = fetch("v1/detect", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, mode, threshold_mode: thresholdMode }),
    });
  } else {
    showError(t("empty"));
    return;
  }
  const button = $("submit");
  button.disabled = true;
  button.textContent = t("checking");
  const stopWatching = watchQueue(button);
  try {
    const response = await request;
    if (!response.ok) { showError(await errorMessage(response)); return; }
    const detection = await response.json();
    current = { detection, text: detection.extracted_text ?? text };
    renderResult(detection, current.text);
    resetFeedback(detection.verdict);
  } catch (err) {
    showError(`${t("failed")}: ${err}`);
  } finally {
    stopWatching();
    button.disabled = false;
    button.textContent = t("submit");
  }
});

// --- rendering the result -------------------------------------------------------------------------------

// 0 → green (human-like), 1 → red (AI-like).
function colour(p) { return `hsl(${Math.round(120 * (1 - p))}, 65%, 82%)`; }

function renderResult(d, text) {
  $("result").hidden = false;
  const p = d.ai_probability;
  $("probability").textContent = p === null ? t("noProbability") : `${(p * 100).toFixed(1)}%`;
  $("gauge-fill").style.width = p === null ? "100%" : `${(1 - p) * 100}%`;
  $("gauge-marker").hidden = p === null;
  $("gauge-marker").style.left = p === null ? "0" : `calc(${p * 100}% - 1px)`;
  const [name, explanation] = t("verdicts")[d.verdict] || [d.verdict, ""];
  $("verdict-badge").textContent = name;
  $("verdict-badge").className = `badge ${d.verdict}`;
  $("verdict-text").textContent = explanation;
  $("document-info").hidden = !d.document;
  if (d.document) $("document-info").textContent = t("document")(d.document);
  renderSentences(d.sentences, text);
  renderEvidence(d.evidence);
  $("model-version").textContent = d.model_version;
}

function renderSentences(sentences, text) {
  // Offsets count Unicode code points (Python str indices), not UTF-16 units: index an array of code points.
  const chars = Array.from(text);
  const box = $("highlighted");
  box.replaceChildren();
  let pos = 0;
  for (const s of sentences) {
    if (s.start > pos) box.append(chars.slice(pos, s.start).join(""));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(s.start, s.end).join("");
    if (s.ai_probability === null) {
      mark.style.background = "#eceff2";
    } else {
      mark.style.background = colour(s.ai_probability);
      mark.title = `${t("probability")}: ${(s.ai_probability * 100).toFixed(1)}%`;
    }
    box.append(mark);
    pos = Math.max(pos, s.end);
  }
  if (pos < chars.length) box.append(chars.slice(pos).join(""));
}

function renderEvidence(evidence) {
  const body = $("evidence").querySelector("tbody");
  body.replaceChildren();
  for (const e of evidence) {
    const row = document.createElement("tr");
    const cells = [e.name, Number(e.value.toFixed(4)).toString(), t("dir")[e.direction] || e.direction, e.description];
    cells.forEach((value, i) => {
      const cell = document.createElement("td");
      cell.textContent = value;
      if (i === 2) cell.className = `dir-${e.direction}`;
      row.append(cell);
    });
    body.append(row);
  }
}

// --- feedback -------------------------------------------------------------------------------------------

function resetFeedback(verdict) {
  const decided = verdict === "ai" || verdict === "human";
  $("feedback-verdict").hidden = !decided;
  $("feedback-label").hidden = decided;
  const question = $("feedback-question");
  question.dataset.i18n = decided ? "feedbackQuestion" : "feedbackQuestionOpen";
  question.textContent = t(question.dataset.i18n);
  $("feedback-thanks").hidden = true;
  document.querySelectorAll("#feedback button").forEach((b) => { b.disabled = false; });
}

async function sendFeedback(label) {
  const buttons = document.querySelectorAll("#feedback button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const response = await fetch("v1/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ detection_id: current.detection.detection_id, label }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    $("feedback-verdict").hidden = true;
    $("feedback-label").hidden = true;
    $("feedback-thanks").hidden = false;
  } catch (err) {
    buttons.forEach((b) => { b.disabled = false; });
    showError(`${t("feedbackFailed")}: ${err.message}`);
  }
}

document.querySelectorAll("#feedback-verdict button").forEach((b) => b.addEventListener("click", () => {
  const verdict = current.detection.verdict;
  const opposite = verdict === "ai" ? "human" : "ai";
  sendFeedback(b.dataset.answer === "right" ? verdict : opposite);
}));
document.querySelectorAll("#feedback-label button").forEach((b) => b.addEventListener("click", () => {
  sendFeedback(b.dataset.label);
}));

applyLanguage();
