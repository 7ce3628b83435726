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
    modeLowFpr: "신중하게 (권장)",
    modeBalanced: "균형",
    helpLowFpr: "사람이 쓴 글을 AI로 잘못 판정하는 일이 가장 적습니다.",
    helpBalanced: "AI 글을 더 많이 찾지만, 사람 글을 AI로 잘못 판정하는 일도 늘어납니다.",
    profileGroup: "우리 기관 기준 (프로필)",
    profileOption: (p) => `${profileLabel(p)} (사람 글 ${count(p.human_texts)}편 기준, 오탐 ${percentAtMost(p.fpr_bound)} 이하)`,
    profileStale: "모델이 바뀌어 다시 만들어야 함",
    profileInfo: (p) => `이 기준은 ${p.description || `'${p.name}' 프로필의 사람 글`} ${count(p.human_texts)}편으로 ` +
      `맞췄습니다: 사람 글을 AI로 판정할 확률 ${percentAtMost(p.fpr_bound)} 이하` +
      (p.fpr_bound > p.target_fpr ? ` (목표 ${percentAtMost(p.target_fpr)}를 약속하기에는 글이 부족합니다)` : ""),
    submit: "검사하기",
    checking: "검사 중…",
    waiting: "대기 중…",
    waitingNote: (q) => `다른 글을 먼저 검사하고 있어 차례를 기다리는 중입니다 (대기 ${q.waiting_texts}건` +
      (q.expected_wait_s >= 1 ? `, 약 ${Math.ceil(q.expected_wait_s)}초` : "") + "). 차례가 되면 자동으로 검사합니다.",
    resultTitle: "결과",
    probability: "AI가 썼을 확률",
    noProbability: "계산하지 않음",
    caution: "어떤 탐지기도 AI 사용을 단정하는 유일한 근거가 되어서는 안 됩니다. 확률은 다른 정황과 함께 따져 볼 근거일 뿐입니다.",
    sentencesTitle: "문장별 점수",
    legendHuman: "AI가 쓴 부분일 확률 35% 미만",
    legendMiddle: "35~65%: 어느 쪽인지 모름",
    legendAi: "65% 이상",
    legendNone: "너무 짧아 판단하지 않은 문장",
    legendNote: "문장 점수는 앞뒤 문장과 함께 본 값이고, 짧은 문장일수록 그 문장만의 근거를 덜 믿습니다. 문장에 마우스를 올리면 확률이 보입니다.",
    sentenceTitle: (p) => `이 문장이 AI가 쓴 부분일 확률: ${p}`,
    tooShort: "너무 짧아 판단하지 않았습니다",
    noScore: "점수 없음",
    evidenceTitle: "판정 근거",
    evidenceNote: "판정에 가장 크게 영향을 준 순서입니다. 각 근거는 이 글에서 센 것과 찾은 표현입니다.",
    dir: { ai: "AI 쪽", human: "사람 쪽", neutral: "참고" },
    placement: (w) => `모델이 학습하지 않은 출처의 검증용 글과 견주면, 이 점수는 사람이 쓴 글 ${w.humans.toLocaleString()}편의 ` +
      `${pct(w.human_below)}보다 높고, AI가 쓴 글 ${w.ais.toLocaleString()}편의 ${pct(w.ai_above)}보다 낮습니다.`,
    chartHuman: "사람이 쓴 글", chartAi: "AI가 쓴 글", chartThis: "이 글",
    feedbackQuestion: "이 판정이 맞나요?",
    feedbackQuestionOpen: "실제로 누가 쓴 글인가요? 알려 주시면 모델 개선에 쓰입니다.",
    right: "맞아요", wrong: "틀렸어요", byHuman: "사람이 썼어요", byAi: "AI가 썼어요",
    thanks: "고맙습니다! 보내 주신 의견은 모델을 개선하는 데 쓰입니다.",
    modelVersion: "모델 버전",
    apiDocs: "API 문서",
    attributionLabel: "가장 비슷한 모델 계열",
    attributionCaution: "문체가 닮았다는 뜻일 뿐, 그 모델이 썼다는 증거는 아닙니다. 많은 모델이 다른 계열의 글을 보고 학습해 서로 비슷하게 씁니다.",
    attributionNext: "그다음",
    attributionClosest: "어느 계열과도 충분히 닮지 않았습니다. 가장 가까운 계열",
    families: {
      gpt: "GPT", claude: "Claude", google: "Gemini/Gemma", qwen: "Qwen", llama: "Llama", mistral: "Mistral",
      solar: "Solar", exaone: "EXAONE", hyperclova: "HyperCLOVA X", korean: "한국어 파인튜닝 모델", other: "기타",
      unknown: "알 수 없음",
    },
    document: (d) => `파일 형식: ${d.format}` + (d.pages ? `, ${d.pages}쪽` : "") +
      (d.warnings.length ? ` · 참고: 파일 이름과 실제 형식이 다릅니다` : ""),
    verdicts: {
      ai: ["AI", "AI가 쓴 글일 가능성이 높습니다. 다만 이 결과만으로 AI 사용을 단정하지 말고, 글쓴이와 이야기해 보세요."],
      human: ["사람", "사람이 쓴 글로 보입니다. 다만 학습에 없던 출처의 AI 글 가운데 사람 글과 구별되지 않아 이 판정을 받은 것도 있었습니다(BENCHMARKS.md)."],
      belowCut: ["AI 판정 아님", "AI 쪽 신호가 있지만(확률 50% 이상) 이 판정 기준의 AI 판정선에는 못 미칩니다. 사람의 글을 AI로 잘못 판정하는 일이 드물도록 판정선을 높게 잡았기 때문에, 이런 글 가운데에는 AI가 쓴 글도 섞여 있습니다."],
      uncertain: ["불확실", "사람의 글과 AI의 글 사이 애매한 구간에 있습니다. 도구가 판단할 수 없어 '모른다'고 솔직하게 답합니다."],
      insufficient: ["분량 부족", "한글이 50자보다 적어 판단하기에 글이 너무 짧습니다. 더 긴 글을 넣어 주세요."],
      "unsupported-language": ["지원하지 않는 언어", "글자의 절반 이상이 한글이 아니어서 판단하지 않았습니다. 이 도구는 한국어 글만 검사합니다."],
    },
    empty: "검사할 글을 넣거나 파일을 고르세요.",
    errors: {
      busy: (b) => b.retry_after > 0 ? `서버가 다른 글을 검사하느라 바쁩니다. ${b.retry_after}초 뒤에 다시 시도하세요.`
        : "서버가 다른 글을 검사하느라 바쁩니다. 잠시 뒤 다시 시도하세요.",
      worker_restarted: "검사하던 작업 프로세스가 멈춰 다시 시작하는 중입니다. 잠시 뒤 다시 시도하세요.",
      timeout: "정해진 시간 안에 검사를 마치지 못했습니다. 서버가 매우 바쁘거나 글이 너무 깁니다. 나중에 다시 시도하거나 글을 나누어 검사하세요.",
      deep_unavailable: (b) => `정밀하게(언어 모델) 검사하는 기능이 이 서버에 설치되어 있지 않습니다. '빠르게'로 검사하거나, 서버 관리자에게 ${b.install || "pip install 'kodetect[deep]'"} 설치를 요청하세요.`,
      model_unavailable: "이 검사 방식의 모델을 서버에서 불러올 수 없습니다. 서버 관리자에게 알려 주세요.",
      too_large: "글이나 파일이 너무 큽니다. 나누어서 검사하세요.",
      unsupported_format: "지원하지 않는 파일 형식입니다. .txt, .docx, .pdf, .hwp, .hwpx 파일을 올려 주세요.",
      unsupported_media_type: "요청 형식이 잘못되었습니다.",
      unreadable: (b) => unreadableKo(b.detail || ""),
      invalid_input: (b) => /empty/.test(b.detail || "") ? "글이 비어 있습니다. 검사할 글을 넣어 주세요." : "이 글은 검사할 수 없습니다.",
      invalid_request: "요청이 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
      network: "서버에 연결하지 못했습니다. 서버가 켜져 있는지 확인하세요.",
      other: (b, status) => `검사하지 못했습니다 (HTTP ${status}).`,
    },
    feedbackFailed: "의견을 보내지 못했습니다. 다시 시도해 주세요.",
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
    modeLowFpr: "Cautious (recommended)",
    modeBalanced: "Balanced",
    helpLowFpr: "Fewest human texts wrongly called AI.",
    helpBalanced: "Catches more AI text, at the price of more false accusations.",
    profileGroup: "Your own thresholds (profiles)",
    profileOption: (p) => `${profileLabel(p)} (${count(p.human_texts)} human texts, at most ${percentAtMost(p.fpr_bound)} wrongly called AI)`,
    profileStale: "the model changed: re-create it",
    profileInfo: (p) => `These thresholds were fitted on ${count(p.human_texts)} texts` +
      (p.description ? ` of ${p.description}` : ` of profile '${p.name}'`) +
      `: at most ${percentAtMost(p.fpr_bound)} of such human texts are called AI (95% confidence)` +
      (p.fpr_bound > p.target_fpr ? `; too few texts to promise the ${percentAtMost(p.target_fpr)} asked for` : ""),
    submit: "Check",
    checking: "Checking…",
    waiting: "Waiting…",
    waitingNote: (q) => `Other texts are being checked first; this one is waiting its turn (${q.waiting_texts} waiting` +
      (q.expected_wait_s >= 1 ? `, about ${Math.ceil(q.expected_wait_s)} s` : "") + "). It will be checked automatically.",
    resultTitle: "Result",
    probability: "Probability the text was written by AI",
    noProbability: "not computed",
    caution: "No detector should be the sole basis for accusing a person of using AI. A probability is evidence to weigh with everything else you know.",
    sentencesTitle: "Sentence scores",
    legendHuman: "under 35% probability that the sentence is AI-written",
    legendMiddle: "35-65%: could be either",
    legendAi: "65% or more",
    legendNone: "too short to judge",
    legendNote: "A sentence is scored with its neighbours, and the shorter it is, the less its own evidence counts. Hover over a sentence to see its probability.",
    sentenceTitle: (p) => `Probability that this sentence is AI-written: ${p}`,
    tooShort: "too short to judge",
    noScore: "no score",
    evidenceTitle: "Why",
    evidenceNote: "Strongest first. Each reason is something counted or found in this text.",
    dir: { ai: "towards AI", human: "towards human", neutral: "note" },
    placement: (w) => `Against validation texts from sources the model was not trained on, this score is higher than ` +
      `${pct(w.human_below)} of ${w.humans.toLocaleString()} people's texts and lower than ${pct(w.ai_above)} of ` +
      `${w.ais.toLocaleString()} AI texts.`,
    chartHuman: "people's texts", chartAi: "AI texts", chartThis: "this text",
    feedbackQuestion: "Is this verdict right?",
    feedbackQuestionOpen: "Who really wrote it? Telling us helps improve the model.",
    right: "Right", wrong: "Wrong", byHuman: "A person wrote it", byAi: "AI wrote it",
    thanks: "Thank you! Your feedback helps improve the model.",
    modelVersion: "Model version",
    apiDocs: "API documentation",
    attributionLabel: "Most similar model family",
    attributionCaution: "A resemblance in style, not proof that this model wrote it. Many models learn from other families' text and write alike.",
    attributionNext: "then",
    attributionClosest: "No family is similar enough. Closest",
    families: {
      gpt: "GPT", claude: "Claude", google: "Gemini/Gemma", qwen: "Qwen", llama: "Llama", mistral: "Mistral",
      solar: "Solar", exaone: "EXAONE", hyperclova: "HyperCLOVA X", korean: "Korean fine-tune", other: "other",
      unknown: "unknown",
    },
    document: (d) => `File format: ${d.format}` + (d.pages ? `, ${d.pages} pages` : "") +
      (d.warnings.length ? ` · note: ${d.warnings.join("; ")}` : ""),
    verdicts: {
      ai: ["AI", "Probably written by AI. Do not treat this alone as proof; talk with the author."],
      human: ["Human", "Looks written by a person. Some AI texts from sources the model never saw could not be told apart from people's writing and got this verdict too (BENCHMARKS.md)."],
      belowCut: ["Not called AI", "The signals lean to AI (probability 50% or more), but not past this threshold mode's AI cut. That cut is set high so that people's writing is rarely called AI, so texts like this one include some written by AI."],
      uncertain: ["Uncertain", "Between human and AI: the tool cannot tell, and says so."],
      insufficient: ["Too short", "Fewer than 50 Hangul characters: too little text to judge. Please give a longer text."],
      "unsupported-language": ["Unsupported language", "Less than half of the letters are Hangul; this tool only checks Korean text."],
    },
    empty: "Paste a text or choose a file first.",
    errors: {
      busy: (b) => b.retry_after > 0 ? `The server is busy checking other texts. Please try again in ${b.retry_after} s.`
        : "The server is busy checking other texts. Please try again in a few seconds.",
      worker_restarted: "The process checking this text stopped and is being restarted. Please try again shortly.",
      timeout: "The check did not finish in time: the server is very busy or the text is very long. Try again later, or split the text.",
      deep_unavailable: (b) => `Deep mode is not installed on this server. Check in fast mode, or ask the administrator to run ${b.install || "pip install 'kodetect[deep]'"}.`,
      model_unavailable: (b) => `This mode's model cannot be loaded on this server (${b.detail}).`,
      too_large: (b) => `Too large: ${b.detail}`,
      unsupported_format: (b) => `Unsupported file: ${b.detail}`,
      unsupported_media_type: (b) => `Bad request: ${b.detail}`,
      unreadable: (b) => `Cannot read the file: ${b.detail}`,
      invalid_input: (b) => `Cannot check this text: ${b.detail}`,
      invalid_request: (b) => `Invalid request: ${b.detail}`,
      network: "Could not reach the server. Is it running?",
      other: (b, status) => `Could not check the text (HTTP ${status})${b.detail ? ": " + b.detail : ""}.`,
    },
    feedbackFailed: "Could not send the feedback. Please try again.",
    toggle: "한국어",
  },
};

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("kodetect-lang") === "en" ? "en" : "ko";
let chosenFile = null;
let current = null; // {detection, text}
let profiles = { default: null, profiles: [] }; // GET v1/profiles
const PROFILE = "profile:"; // the threshold select's value for a profile, as results name it

function t(key) { return TEXTS[lang][key]; }
function count(n) { return n.toLocaleString("ko-KR"); }
function profileLabel(p) { return p.description ? `${p.name} · ${p.description}` : p.name; }
// A bound rounded up to 0.1 points, never understated: 0.0247 -> "2.5%", 0.00997 -> "1%".
function percentAtMost(rate) {
  const tenths = Math.ceil(Math.round(rate * 1e9) / 1e6);
  return `${(tenths / 10).toFixed(1).replace(/\.0$/, "")}%`;
}
let modelInfo = null; // GET v1/model: signals (ko/en), reference histogram

function pct(share) {
  const p = share * 100;
  return (p > 0 && p < 1) || (p > 99 && p < 100) ? `${p.toFixed(1)}%` : `${p.toFixed(0)}%`;
}

// Reasons an unreadable document gives, said in Korean; the English page shows the server's own line.
function unreadableKo(detail) {
  if (/password/.test(detail)) return "암호가 걸린 문서라 읽을 수 없습니다. 암호를 풀고 저장한 파일을 올려 주세요.";
  if (/distribution/.test(detail)) return "배포용으로 잠긴 한글 문서라 읽을 수 없습니다. 한글에서 일반 문서로 저장한 파일을 올려 주세요.";
  if (/image|scan|text layer/.test(detail)) return "글자가 없는 (스캔 이미지) PDF입니다. 글자를 선택할 수 있는 PDF나 원본 문서를 올려 주세요.";
  if (/damaged|corrupt|not a readable/.test(detail)) return "파일이 손상되어 읽을 수 없습니다.";
  if (/no text/.test(detail)) return "문서에서 글을 찾지 못했습니다.";
  return "파일을 읽을 수 없습니다 (손상되었거나 보호된 문서일 수 있습니다).";
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  $("lang-toggle").textContent = t("toggle");
  renderProfileOptions();
  updateThresholdHelp();
  if (current) renderResult(current.detection, current.text);
  if (lastError) showError(messageFor(lastError.body, lastError.status));
}

function updateThresholdHelp() {
  const value = $("threshold-mode").value;
  const profile = profiles.profiles.find((p) => PROFILE + p.name === value);
  $("threshold-help").textContent = profile ? t("profileInfo")(profile)
    : t(value === "balanced" ? "helpBalanced" : "helpLowFpr");
}

// --- profiles: thresholds fitted to the owner's writing, offered next to the threshold modes --------------

async function loadProfiles() {
  try {
    const response = await fetch("v1/profiles");
    if (response.ok) profiles = await response.json();
  } catch { /* no profiles: the threshold modes alone */ }
  renderProfileOptions(true);
}

// Only the profiles fitted in the chosen mode can be chosen; a stale one is shown, disabled, with why.
function renderProfileOptions(initial = false) {
  const select = $("threshold-mode");
  const chosen = select.value;
  select.querySelector("optgroup")?.remove();
  const usable = profiles.profiles.filter((p) => p.mode === $("mode").value);
  if (usable.length) {
    const group = document.createElement("optgroup");
    group.label = t("profileGroup");
    for (const p of usable) {
      const option = document.createElement("option");
      option.value = PROFILE + p.name;
      option.textContent = t("profileOption")(p) + (p.usable ? "" : ` (${t("profileStale")})`);
      option.disabled = !p.usable;
      group.append(option);
    }
    select.append(group);
  }
  const wanted = initial && profiles.default ? PROFILE + profiles.default : chosen;
  const option = Array.from(select.options).find((o) => o.value === wanted && !o.disabled);
  select.value = option ? wanted : "low-fpr";
  updateThresholdHelp();
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
$("mode").addEventListener("change", () => renderProfileOptions());
$("file-clear").addEventListener("click", (e) => { e.stopPropagation(); chooseFile(null); });
$("threshold-mode").addEventListener("change", updateThresholdHelp);
$("lang-toggle").addEventListener("click", () => {
  lang = lang === "ko" ? "en" : "ko";
  localStorage.setItem("kodetect-lang", lang);
  applyLanguage();
});

// --- calling the API ------------------------------------------------------------------------------------

let lastError = null; // {body, status}: kept so the message follows a change of language

// Errors carry {detail, code}; the code decides what the page says, in its own language.
function messageFor(body, status) {
  const errors = t("errors");
  // A 503 without a code comes from a proxy in front of the server: treat it as busy.
  const said = errors[body.code || (status === 503 ? "busy" : "")] || errors.other;
  return typeof said === "function" ? said(body, status) : said;
}

async function errorBody(response) {
  // Retry-After marks the queue's "busy" (or a worker being replaced): the message says when to come back.
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  try {
    const body = await response.json();
    return { ...(typeof body === "object" && body ? body : {}), retry_after: retryAfter };
  } catch {
    return { retry_after: retryAfter };
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

function failWith(body, status) {
  lastError = { body, status };
  showError(messageFor(body, status));
}

// A new check starts from a clean page: the previous result, its feedback and any error go.
function clearResult() {
  current = null;
  lastError = null;
  showError("");
  $("result").hidden = true;
  $("evidence").replaceChildren();
  $("highlighted").replaceChildren();
  document.querySelectorAll("#feedback button").forEach((b) => { b.disabled = true; });
}

$("check-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearResult();
  const text = $("text").value;
  const choice = $("threshold-mode").value;
  // A profile replaces the threshold mode: the request names one or the other, never both.
  const thresholds = choice.startsWith(PROFILE) ? { profile: choice.slice(PROFILE.length) } : { threshold_mode: choice };
  const mode = $("mode").value;
  let request;
  if (chosenFile) {
    const form = new FormData();
    form.append("file", chosenFile);
    for (const [key, value] of Object.entries(thresholds)) form.append(key, value);
    form.append("mode", mode);
    request = fetch("v1/detect/file", { method: "POST", body: form });
  } else if (text.trim()) {
    request = fetch("v1/detect", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, mode, ...thresholds }),
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
    if (!response.ok) { failWith(await errorBody(response), response.status); return; }
    const detection = await response.json();
    current = { detection, text: detection.extracted_text ?? text };
    renderResult(detection, current.text);
    resetFeedback(detection.verdict);
  } catch (err) {
    failWith({ code: "network", detail: String(err) }, 0);
  } finally {
    stopWatching();
    button.disabled = false;
    button.textContent = t("submit");
  }
});

// --- rendering the result -------------------------------------------------------------------------------

// The same three bands as the legend (and the command line): a colour says a range in words.
function band(p) { return p < 0.35 ? "band-human" : p < 0.65 ? "band-middle" : "band-ai"; }

function renderResult(d, text) {
  $("result").hidden = false;
  const p = d.ai_probability;
  $("probability").textContent = p === null ? t("noProbability") : `${(p * 100).toFixed(1)}%`;
  $("gauge-fill").style.width = p === null ? "100%" : `${(1 - p) * 100}%`;
  $("gauge-marker").hidden = p === null;
  $("gauge-marker").style.left = p === null ? "0" : `calc(${p * 100}% - 1px)`;
  // A human verdict with the probability on the AI side is "not called AI", never "human" beside 96%.
  const belowCut = d.verdict === "human" && p !== null && p >= 0.5;
  const [name, explanation] = t("verdicts")[belowCut ? "belowCut" : d.verdict] || [d.verdict, ""];
  $("verdict-badge").textContent = name;
  $("verdict-badge").className = `badge ${belowCut ? "uncertain" : d.verdict}`;
  $("verdict-text").textContent = explanation;
  $("profile-info").hidden = !d.profile;
  $("profile-info").textContent = d.profile ? t("profileInfo")(d.profile) : "";
  $("document-info").hidden = !d.document;
  if (d.document) $("document-info").textContent = t("document")(d.document);
  renderPlacement(d.placement, p);
  renderAttribution(d.attribution);
  renderSentences(d.sentences, text, p !== null);
  renderEvidence(d.evidence);
  $("model-version").textContent = d.model_version;
}

function familyName(key) { return t("families")[key] || key; }

function renderAttribution(a) {
  // Only `ai` and `uncertain` verdicts carry an attribution; it is null otherwise.
  $("attribution").hidden = !a;
  if (!a) return;
  const percent = (p) => `${Math.round(p * 100)}%`;
  const ranked = Object.entries(a.probabilities).sort((x, y) => y[1] - x[1]);
  const known = a.family !== "unknown";
  $("attribution-family").textContent = known
    ? `${familyName(a.family)} (${percent(a.probabilities[a.family])})` : familyName("unknown");
  const others = (known ? ranked.filter(([f]) => f !== a.family).slice(0, 2) : ranked.slice(0, 3))
    .map(([f, p]) => `${familyName(f)} ${percent(p)}`).join(", ");
  $("attribution-others").textContent = others ? `(${known ? t("attributionNext") : t("attributionClosest")}: ${others})` : "";
}

function renderSentences(sentences, text, judged) {
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
      mark.className = "band-none";
      mark.title = judged ? t("tooShort") : t("noScore");
    } else {
      mark.className = band(s.ai_probability);
      mark.title = t("sentenceTitle")(`${(s.ai_probability * 100).toFixed(0)}%`);
    }
    box.append(mark);
    pos = Math.max(pos, s.end);
  }
  if (pos < chars.length) box.append(chars.slice(pos).join(""));
}

function evidenceSentence(e) {
  if (e.explanation && e.explanation[lang]) return e.explanation[lang];
  const described = modelInfo && modelInfo.signals && modelInfo.signals[e.name];
  return described ? described[lang] : e.description;
}

function renderEvidence(evidence) {
  const list = $("evidence");
  list.replaceChildren();
  for (const e of evidence) {
    const item = document.createElement("li");
    const side = document.createElement("span");
    side.className = `side dir-${e.direction}`;
    side.textContent = t("dir")[e.direction] || e.direction;
    const said = document.createElement("span");
    said.className = "said";
    said.textContent = evidenceSentence(e);
    item.append(side, said);
    list.append(item);
  }
}

// --- where the score falls among the reference texts ------------------------------------------------------

// The chart's own namespace (SVG), so elements made here are drawn as SVG.
const SVG = $("placement-chart").namespaceURI;

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderPlacement(where, p) {
  const reference = modelInfo && modelInfo.reference;
  $("placement").hidden = !where || !reference || p === null;
  if ($("placement").hidden) return;
  const chart = $("placement-chart");
  chart.replaceChildren();
  const bins = reference.human.length;
  const width = 400 / bins;
  const tallest = Math.max(...reference.human, ...reference.ai, 0.01);
  // People's texts grow up from the middle line, AI texts down from it; the dark line is this text's score.
  // Labels live outside the drawing, which stretches to the page's width.
  reference.human.forEach((share, i) => {
    const h = (share / tallest) * 46;
    chart.append(svg("rect", { x: i * width + 0.5, y: 48 - h, width: width - 1, height: h, class: "bar-human" }));
  });
  reference.ai.forEach((share, i) => {
    const h = (share / tallest) * 46;
    chart.append(svg("rect", { x: i * width + 0.5, y: 52, width: width - 1, height: h, class: "bar-ai" }));
  });
  chart.append(svg("line", { x1: 0, x2: 400, y1: 50, y2: 50, class: "axis" }));
  const x = Math.min(Math.max(p * 400, 1.5), 398.5);
  chart.append(svg("line", { x1: x, x2: x, y1: 0, y2: 100, class: "marker" }));
  const marker = $("placement-marker");
  marker.textContent = `${t("chartThis")} ${(p * 100).toFixed(0)}%`;
  marker.style.left = p > 0.75 ? "auto" : `calc(${p * 100}% + 6px)`;
  marker.style.right = p > 0.75 ? `calc(${(1 - p) * 100}% + 6px)` : "auto";
  chart.setAttribute("aria-label", t("placement")(where));
  $("placement-text").textContent = t("placement")(where);
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
  if (!current) return;
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
  } catch {
    buttons.forEach((b) => { b.disabled = false; });
    showError(t("feedbackFailed"));
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

fetch("v1/model").then((r) => (r.ok ? r.json() : null)).then((info) => {
  modelInfo = info;
  if (current) renderResult(current.detection, current.text);
}).catch(() => {});
applyLanguage();
loadProfiles();
