"""README bodies of generated models: the templates real cards follow, at the lengths they have.

The double stores no README text for a generated model, only its template and the length it aims
at (`card_template`, `card_length`); `body` writes the Markdown below the YAML header on request,
the same text every time (numbers come from a hash of the repo id), so a two-million-model Hub
keeps no card texts. The templates are the families real cards fall into (shared/hub-samples:
family trees and the 2022 cards): organisations' release cards, hand-written cards of popular
community models, the Hub's default template (its [More Information Needed] sections, about 5k
characters: median 5,069 over the family trees' 19), PEFT's version of it, the transformers
Trainer's generated card (median 1,788 over 25), unsloth's upload card (579 over 13), quantizers'
cards with their table of files, GGUF-my-repo's and mlx-lm's conversion notes, mergekit's
generated card, a title and a line, and empty READMEs. A template pads itself to its length with
the parts real cards grow by: rows of result and file tables, evaluation rows, prose sections.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

MORE = "[More Information Needed]"


@dataclass(frozen=True)
class Card:
    """What a body may name: the repo, its parents as the YAML writes them, a few YAML fields."""

    model_id: str
    parents: tuple[str, ...]
    license: str | None
    datasets: tuple[str, ...]
    seed: int  # a hash of the repo id: the card's numbers, the same on every request

    @property
    def name(self) -> str:
        return self.model_id.rsplit("/", 1)[-1]

    @property
    def author(self) -> str:
        return self.model_id.split("/", 1)[0]

    @property
    def parent(self) -> str:
        return self.parents[0] if self.parents else "an undisclosed base model"

    def number(self, salt: int, modulo: int) -> int:
        """A deterministic number in [0, modulo) for the `salt`-th choice of this card."""
        return (self.seed * 2_654_435_761 + salt * 40_503) % 4_294_967_291 % modulo


def card_of(model_id: str, card_data: dict | None) -> Card:
    data = card_data or {}
    named = data.get("base_model") or []
    parents = [named] if isinstance(named, str) else [p for p in named if isinstance(p, str)]
    license_ = data.get("license")
    return Card(model_id, tuple(parents), license_ if isinstance(license_, str) else None,
                tuple(d for d in data.get("datasets") or () if isinstance(d, str)),
                zlib.crc32(model_id.encode()))


def _link(repo: str) -> str:
    return f"[{repo}](https://huggingface.co/{repo})"


def _grow(text: str, length: int, parts: Callable[[int], str], limit: int = 5_000) -> str:
    """`text` followed by parts(0), parts(1) ... until it reaches `length` characters."""
    pieces, size, k = [text], len(text), 0
    while size < length and k < limit:
        piece = parts(k)
        pieces.append(piece)
        size += len(piece)
        k += 1
    return "".join(pieces)


# -- prose that long cards are made of ----------------------------------------------------------
SECTIONS = (
    ("Intended Use", "**Intended Use Cases** {name} is intended for commercial and research use "
     "in English. Instruction tuned models are intended for assistant-like chat, whereas "
     "pretrained models can be adapted for a variety of natural language generation tasks.\n\n"
     "**Out-of-scope** Use in any manner that violates applicable laws or regulations (including "
     "trade compliance laws). Use in languages other than English. Use in any other way that is "
     "prohibited by the Acceptable Use Policy and the license applicable to {name}."),
    ("Hardware and Software", "**Training Factors** We used custom training libraries, a "
     "production cluster and cloud compute for pretraining. Fine-tuning, annotation, and "
     "evaluation were also performed on third-party cloud compute.\n\n**Carbon Footprint** "
     "Pretraining utilized a cumulative {hours},000 GPU hours of computation on hardware of type "
     "H100-80GB (TDP of 700W). Estimated total emissions were {co2} tCO2eq, 100% of which were "
     "offset by the provider's sustainability program."),
    ("Training Data", "**Overview** {name} was pretrained on {tokens} trillion tokens of data "
     "from publicly available sources. The fine-tuning data includes publicly available "
     "instruction datasets, as well as over 10M human-annotated examples. Neither the "
     "pretraining nor the fine-tuning datasets include user data.\n\n**Data Freshness** The "
     "pretraining data has a cutoff of {month} {year}."),
    ("Responsibility & Safety", "We believe that an open approach to AI leads to better, safer "
     "products, faster innovation, and a bigger overall market. We are committed to Responsible "
     "AI development and took a series of steps to limit misuse and harm and support the open "
     "source community.\n\nAs part of our responsible release approach, we followed a three-"
     "pronged strategy to managing trust & safety risks: enabling developers to deploy helpful, "
     "safe and flexible experiences for their target audience; protecting developers against "
     "adversarial users aiming to exploit the model's capabilities; and providing protections "
     "for the community to help prevent the misuse of our models."),
    ("Limitations", "{name} is a new technology that carries risks with use. Testing conducted to "
     "date has been in English, and has not covered, nor could it cover, all scenarios. For "
     "these reasons, as with all LLMs, its potential outputs cannot be predicted in advance, and "
     "the model may in some instances produce inaccurate, biased or other objectionable "
     "responses to user prompts. Therefore, before deploying any applications of {name}, "
     "developers should perform safety testing and tuning tailored to their specific "
     "applications of the model."),
    ("Evaluation", "In this section, we report the results for {name} on standard automatic "
     "benchmarks. For all the evaluations, we use our internal evaluations library. Results are "
     "averaged over {runs} runs with different seeds; the standard deviation stays below "
     "0.{dev} points on every benchmark reported here."),
    ("Deployment", "We recommend serving {name} with vLLM (`vllm serve {model_id} "
     "--tensor-parallel-size {tp}`) or SGLang. For local use, quantized builds in GGUF and "
     "MLX formats are published by the community; long-context use above 32k tokens needs "
     "YaRN rope scaling enabled in `config.json`."),
    ("Ethical Considerations", "The core values of {name} are openness, inclusivity and "
     "helpfulness. It is meant to serve everyone, and to work for a wide range of use cases. It "
     "is thus designed to be accessible to people across many different backgrounds, "
     "experiences and perspectives, respecting the dignity and autonomy of all users, "
     "especially in terms of the values of free thought and expression that power innovation "
     "and progress."),
)
MONTHS = ("January", "March", "April", "June", "September", "December")
BENCHMARKS = ("MMLU", "MMLU-Pro", "AGIEval English", "CommonSenseQA", "Winogrande", "BIG-Bench "
              "Hard", "ARC-Challenge", "TriviaQA-Wiki", "SQuAD", "QuAC", "BoolQ", "DROP",
              "IFEval", "HumanEval", "MBPP++", "GSM-8K (CoT)", "MATH (CoT)", "GPQA", "BFCL",
              "Nexus", "ZeroSCROLLS/QuALITY", "InfiniteBench/En.MC", "NIH/Multi-needle", "MGSM")


def _section(card: Card, k: int) -> str:
    title, text = SECTIONS[k % len(SECTIONS)]
    heading = title if k < len(SECTIONS) else f"{title} ({k // len(SECTIONS) + 1})"
    return f"\n## {heading}\n\n" + text.format(
        name=card.name, model_id=card.model_id, hours=1 + card.number(k, 39),
        co2=100 + card.number(k + 1, 9000), tokens=1 + card.number(k + 2, 17),
        month=MONTHS[card.number(k + 3, len(MONTHS))], year=2022 + card.number(k + 4, 3),
        runs=2 + card.number(k + 5, 4), dev=1 + card.number(k + 6, 9),
        tp=1 << card.number(k + 7, 4)) + "\n"


def _score(card: Card, k: int) -> str:
    return f"{20 + card.number(k, 7000) / 100:.1f}"


# -- templates ------------------------------------------------------------------------------------
def official(card: Card, length: int) -> str:
    """An organisation's release card: overview, a specification table, usage code, benchmarks,
    then the prose sections of intended use, training, safety and limitations."""
    head = (f"# {card.name}\n\n## Model Information\n\n{card.name} is a collection of pretrained "
            "and instruction tuned generative models, optimized for dialogue use cases. They "
            "outperform many of the available open source chat models on common industry "
            "benchmarks.\n\n**Model developer:** " + card.author + "\n\n**Model Architecture:** "
            "An auto-regressive language model that uses an optimized transformer architecture. "
            "The tuned versions use supervised fine-tuning (SFT) and reinforcement learning with "
            "human feedback (RLHF) to align with human preferences for helpfulness and safety.\n\n"
            "| | Training Data | Params | Context length | GQA | Token count |\n"
            "|---|---|---|---|---|---|\n"
            f"| {card.name} | A new mix of publicly available online data. | "
            f"{1 + card.number(1, 70)}B | {4 << card.number(2, 6)}k | Yes | "
            f"{1 + card.number(3, 15)}T |\n\n"
            f"**License:** {card.license or 'see LICENSE'}\n\n## How to use\n\n```python\n"
            "import transformers\nimport torch\n\n"
            f'model_id = "{card.model_id}"\n\npipeline = transformers.pipeline(\n'
            '    "text-generation",\n    model=model_id,\n'
            '    model_kwargs={"torch_dtype": torch.bfloat16},\n    device_map="auto",\n)\n'
            "```\n\n## Benchmarks\n\n| Category | Benchmark | # Shots | Metric | Score |\n"
            "|---|---|---|---|---|\n")
    rows = "".join(f"| General | {b} | {card.number(k, 26)} | acc | {_score(card, k)} |\n"
                   for k, b in enumerate(BENCHMARKS[: 6 + card.number(9, 18)]))
    return _grow(head + rows, length, lambda k: _section(card, k))


def documented(card: Card, length: int) -> str:
    """A community model's own card: what it is, how it was trained, prompt format, results."""
    data = ", ".join(_link(f"datasets/{d}") for d in card.datasets) or "a curated mix of " \
        "instruction and preference data"
    origin = f"a fine-tune of {_link(card.parent)}" if card.parents else "a model trained"
    head = (f"# {card.name}\n\n{card.name} is {origin} on {data}. It aims at helpful, detailed "
            "answers, better reasoning and fewer refusals than comparable models.\n\n"
            "## Model Details\n\n| | |\n|---|---|\n"
            f"| Base model | {card.parents[0] if card.parents else 'none'} |\n| Method | "
            f"{('SFT', 'DPO', 'ORPO', 'SFT + DPO')[card.number(1, 4)]} |\n| Epochs | "
            f"{1 + card.number(2, 4)} |\n| Context length | {4 << card.number(3, 4)}k |\n"
            f"| License | {card.license or 'see the base model'} |\n\n## Prompt Format\n\n"
            "```\n<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            "{prompt}<|im_end|>\n<|im_start|>assistant\n```\n\n## Usage\n\n```python\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
            f'model = AutoModelForCausalLM.from_pretrained("{card.model_id}", '
            'device_map="auto")\n'
            f'tokenizer = AutoTokenizer.from_pretrained("{card.model_id}")\n```\n\n'
            "## Evaluation\n\n| Benchmark | Score |\n|---|---|\n")
    rows = "".join(f"| {b} | {_score(card, k)} |\n"
                   for k, b in enumerate(BENCHMARKS[: 4 + card.number(4, 8)]))
    return _grow(head + rows, length, lambda k: _section(card, k + 3))


HUB_TEMPLATE = (
    ("Model Details", ""),
    ("### Model Description", "<!-- Provide a longer summary of what this model is. -->\n\n"
     "This is the model card of a 🤗 transformers model that has been pushed on the Hub. This "
     "model card has been automatically generated.\n\n"
     "- **Developed by:** {author}\n- **Funded by [optional]:** {more}\n"
     "- **Shared by [optional]:** {more}\n- **Model type:** {more}\n"
     "- **Language(s) (NLP):** {more}\n- **License:** {license}\n"
     "- **Finetuned from model [optional]:** {parent}"),
    ("### Model Sources [optional]", "<!-- Provide the basic links for the model. -->\n\n"
     "- **Repository:** {more}\n- **Paper [optional]:** {more}\n- **Demo [optional]:** {more}"),
    ("Uses", "<!-- Address questions around how the model is intended to be used, including the "
     "foreseeable users of the model and those affected by the model. -->"),
    ("### Direct Use", "<!-- This section is for the model use without fine-tuning or plugging "
     "into a larger ecosystem/app. -->\n\n{more}"),
    ("### Downstream Use [optional]", "<!-- This section is for the model use when fine-tuned "
     "for a task, or when plugged into a larger ecosystem/app -->\n\n{more}"),
    ("### Out-of-Scope Use", "<!-- This section addresses misuse, malicious use, and uses that "
     "the model will not work well for. -->\n\n{more}"),
    ("Bias, Risks, and Limitations", "<!-- This section is meant to convey both technical and "
     "sociotechnical limitations. -->\n\n{more}"),
    ("### Recommendations", "<!-- This section is meant to convey recommendations with respect "
     "to the bias, risk, and technical limitations. -->\n\nUsers (both direct and downstream) "
     "should be made aware of the risks, biases and limitations of the model. More information "
     "needed for further recommendations."),
    ("How to Get Started with the Model", "Use the code below to get started with the "
     "model.\n\n{more}"),
    ("Training Details", ""),
    ("### Training Data", "<!-- This should link to a Dataset Card, perhaps with a short stub of "
     "information on what the training data is all about as well as documentation related to "
     "data pre-processing or additional filtering. -->\n\n{more}"),
    ("### Training Procedure", "<!-- This relates heavily to the Technical Specifications. "
     "Content here should link to that section when it is relevant to the training procedure. "
     "-->\n\n#### Preprocessing [optional]\n\n{more}\n\n\n#### Training Hyperparameters\n\n"
     "- **Training regime:** {more} <!--fp32, fp16 mixed precision, bf16 mixed precision, bf16 "
     "non-mixed precision, fp16 non-mixed precision, fp8 mixed precision -->"),
    ("#### Speeds, Sizes, Times [optional]", "<!-- This section provides information about "
     "throughput, start/end time, checkpoint size if relevant, etc. -->\n\n{more}"),
    ("Evaluation", "<!-- This section describes the evaluation protocols and provides the "
     "results. -->"),
    ("### Testing Data, Factors & Metrics", "#### Testing Data\n\n<!-- This should link to a "
     "Dataset Card if possible. -->\n\n{more}\n\n#### Factors\n\n<!-- These are the things the "
     "evaluation is disaggregating by, e.g., subpopulations or domains. -->\n\n{more}\n\n"
     "#### Metrics\n\n<!-- These are the evaluation metrics being used, ideally with a "
     "description of why. -->\n\n{more}"),
    ("### Results", "{more}\n\n#### Summary\n\n"),
    ("Model Examination [optional]", "<!-- Relevant interpretability work for the model goes "
     "here -->\n\n{more}"),
    ("Environmental Impact", "<!-- Total emissions (in grams of CO2eq) and additional "
     "considerations, such as electricity usage, go in this section. -->\n\nCarbon emissions "
     "can be estimated using the [Machine Learning Impact calculator](https://mlco2.github.io/"
     "impact#compute) presented in [Lacoste et al. (2019)](https://arxiv.org/abs/1910.09700)."
     "\n\n- **Hardware Type:** {more}\n- **Hours used:** {more}\n- **Cloud Provider:** {more}\n"
     "- **Compute Region:** {more}\n- **Carbon Emitted:** {more}"),
    ("Technical Specifications [optional]", "### Model Architecture and Objective\n\n{more}\n\n"
     "### Compute Infrastructure\n\n{more}\n\n#### Hardware\n\n{more}\n\n#### Software\n\n"
     "{more}"),
    ("Citation [optional]", "<!-- If there is a paper supporting this model, please provide the "
     "BibTeX citation. -->\n\n**BibTeX:**\n\n{more}\n\n**APA:**\n\n{more}"),
    ("Glossary [optional]", "<!-- If relevant, include terms and definitions in this section, it "
     "can help to include terms and definitions that might be relevant to the model card. -->"
     "\n\n{more}"),
    ("More Information [optional]", "{more}"),
    ("Model Card Authors [optional]", "{more}"),
    ("Model Card Contact", "{more}"),
)


def hub_template(card: Card, length: int) -> str:
    """The Hub's default model card (huggingface_hub's modelcard_template.md), left unfilled
    but for the fields a push fills; its length is the template's."""
    sections = []
    for title, text in HUB_TEMPLATE:
        heading = title if title.startswith("#") else f"## {title}"
        sections.append(f"{heading}\n\n{text}\n\n" if text else f"{heading}\n\n")
    body = "".join(sections).format(more=MORE, author=card.author,
                                    license=card.license or MORE,
                                    parent=card.parents[0] if card.parents else MORE)
    return (f"# Model Card for {card.name}\n\n<!-- Provide a quick summary of what the model "
            f"is/does. -->\n\n\n\n{body}")


def peft(card: Card, length: int) -> str:
    """PEFT's card: the Hub template, then the quantization config and the library version."""
    version = f"0.{4 + card.number(1, 11)}.{card.number(2, 3)}"
    bnb = ("## Training procedure\n\n\nThe following `bitsandbytes` quantization config was "
           "used during training:\n- quant_method: bitsandbytes\n- load_in_8bit: False\n"
           "- load_in_4bit: True\n- llm_int8_threshold: 6.0\n- bnb_4bit_quant_type: nf4\n"
           "- bnb_4bit_use_double_quant: True\n- bnb_4bit_compute_dtype: bfloat16\n\n")
    return (f"{hub_template(card, length)}{bnb if card.number(3, 2) else ''}"
            f"### Framework versions\n\n- PEFT {version}")


def trainer(card: Card, length: int) -> str:
    """The transformers Trainer's generated card; its results table grows with the steps."""
    data = f"the {card.datasets[0]} dataset" if card.datasets else "an unknown dataset"
    loss = 0.3 + card.number(1, 1500) / 1000
    head = ("<!-- This model card has been generated automatically according to the information "
            "the Trainer had access to. You\nshould probably proofread and complete it, then "
            f"remove this comment. -->\n\n# {card.name}\n\nThis model is a fine-tuned version of "
            f"[{card.parent}](https://huggingface.co/{card.parent}) on {data}.\nIt achieves the "
            f"following results on the evaluation set:\n- Loss: {loss:.4f}\n\n"
            "## Model description\n\nMore information needed\n\n## Intended uses & limitations"
            "\n\nMore information needed\n\n## Training and evaluation data\n\nMore information "
            "needed\n\n## Training procedure\n\n### Training hyperparameters\n\nThe following "
            "hyperparameters were used during training:\n"
            f"- learning_rate: {('2e-05', '5e-05', '0.0002', '1e-06')[card.number(2, 4)]}\n"
            f"- train_batch_size: {1 << card.number(3, 5)}\n- eval_batch_size: 8\n- seed: 42\n"
            "- optimizer: Adam with betas=(0.9,0.999) and epsilon=1e-08\n"
            "- lr_scheduler_type: cosine\n- lr_scheduler_warmup_ratio: 0.1\n"
            f"- num_epochs: {1 + card.number(4, 3)}\n\n### Training results\n\n"
            "| Training Loss | Epoch | Step | Validation Loss |\n"
            "|:-------------:|:-----:|:----:|:---------------:|\n")
    tail = ("\n\n### Framework versions\n\n- Transformers 4.44.2\n- Pytorch 2.4.0+cu121\n"
            "- Datasets 2.21.0\n- Tokenizers 0.19.1\n")

    def row(k: int) -> str:
        value = loss + 1.5 / (k + 2)
        return (f"| {value + 0.05:.4f}        | {0.1 * (k + 1):.2f}  | {50 * (k + 1):<4} | "
                f"{value:.4f}          |\n")

    return _grow(head, length - len(tail), row) + tail


def unsloth(card: Card, length: int) -> str:
    """unsloth's upload card: who, the license, the base, the banner."""
    return (f"# Uploaded  model\n\n- **Developed by:** {card.author}\n- **License:** "
            f"{card.license or 'apache-2.0'}\n- **Finetuned from model :** {card.parent}\n\n"
            "This llama model was trained 2x faster with [Unsloth](https://github.com/"
            "unslothai/unsloth) and Huggingface's TRL library.\n\n[<img src=\"https://"
            "raw.githubusercontent.com/unslothai/unsloth/main/images/unsloth%20made%20with%20"
            "love.png\" width=\"200\"/>](https://github.com/unslothai/unsloth)\n")


QUANT_TYPES = (("Q8_0", 8.5, "Extremely high quality, generally unneeded but max available "
                "quant."), ("Q6_K_L", 6.6, "Uses Q8_0 for embed and output weights. Very high "
                "quality, near perfect, *recommended*."),
               ("Q6_K", 6.6, "Very high quality, near perfect, *recommended*."),
               ("Q5_K_M", 5.7, "High quality, *recommended*."),
               ("Q5_K_S", 5.6, "High quality, *recommended*."),
               ("Q4_K_M", 4.9, "Good quality, default size for most use cases, *recommended*."),
               ("Q4_K_S", 4.7, "Slightly lower quality with more space savings, *recommended*."),
               ("IQ4_XS", 4.5, "Decent quality, smaller than Q4_K_S with similar performance, "
                "*recommended*."), ("Q3_K_L", 4.3, "Lower quality but usable, good for low RAM "
                                    "availability."),
               ("Q3_K_M", 4.0, "Low quality."), ("IQ3_M", 3.8, "Medium-low quality, new method "
                                                 "with decent performance comparable to Q3_K_M."),
               ("Q2_K", 3.2, "Very low quality but surprisingly usable."),
               ("IQ2_M", 2.9, "Relatively low quality, uses SOTA techniques to be surprisingly "
                "usable."))


def quantizer(card: Card, length: int) -> str:
    """A quantizer's card: the original model, the prompt format, a table of files to pick."""
    head = (f"## Llamacpp imatrix Quantizations of {card.name}\n\nUsing <a href=\"https://github"
            f".com/ggerganov/llama.cpp/\">llama.cpp</a> release <a href=\"https://github.com/"
            f"ggerganov/llama.cpp/releases/tag/b{3000 + card.number(1, 2000)}\">b"
            f"{3000 + card.number(1, 2000)}</a> for quantization.\n\nOriginal model: "
            f"https://huggingface.co/{card.parent}\n\nAll quants made using imatrix option with "
            "dataset from [here](https://gist.github.com/bartowski1182/"
            "eb213dccb3571f863da82e99418f81e8)\n\n## Prompt format\n\n```\n<|begin_of_text|>"
            "<|start_header_id|>system<|end_header_id|>\n\n{system_prompt}<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n```\n\n## Download a file (not the "
            "whole branch) from below:\n\n| Filename | Quant type | File Size | Split | "
            "Description |\n| -------- | ---------- | --------- | ----- | ----------- |\n")
    base = card.name.removesuffix("-GGUF")
    scale = 0.5 + card.number(2, 900) / 100

    def row(k: int) -> str:
        quant, bits, text = QUANT_TYPES[k % len(QUANT_TYPES)]
        tag = "" if k < len(QUANT_TYPES) else f"-part{k // len(QUANT_TYPES)}"
        file = f"{base}-{quant}{tag}.gguf"
        return (f"| [{file}](https://huggingface.co/{card.model_id}/blob/main/{file}) | {quant} "
                f"| {bits * scale:.2f}GB | false | {text} |\n")

    table = _grow(head, min(length, len(head) + 2_400), row, len(QUANT_TYPES))
    return _grow(table, length, lambda k: _section(card, k + 5))


def gguf_my_repo(card: Card, length: int) -> str:
    """The GGUF-my-repo space's card: the conversion note and llama.cpp commands."""
    file = f"{card.name.lower()}.gguf"
    return (f"# {card.model_id}\nThis model was converted to GGUF format from "
            f"[`{card.parent}`](https://huggingface.co/{card.parent}) using llama.cpp via the "
            "ggml.ai's [GGUF-my-repo](https://huggingface.co/spaces/ggml-org/gguf-my-repo) space."
            f"\nRefer to the [original model card](https://huggingface.co/{card.parent}) for "
            "more details on the model.\n\n## Use with llama.cpp\nInstall llama.cpp through brew "
            "(works on Mac and Linux)\n\n```bash\nbrew install llama.cpp\n\n```\nInvoke the "
            "llama.cpp server or the CLI.\n\n### CLI:\n```bash\nllama-cli --hf-repo "
            f"{card.model_id} --hf-file {file} -p \"The meaning to life and the universe is\"\n"
            "```\n\n### Server:\n```bash\nllama-server --hf-repo "
            f"{card.model_id} --hf-file {file} -c 2048\n```\n\nNote: You can also use this "
            "checkpoint directly through the [usage steps](https://github.com/ggerganov/"
            "llama.cpp?tab=readme-ov-file#usage) listed in the Llama.cpp repo as well.\n\n"
            "Step 1: Clone llama.cpp from GitHub.\n```\ngit clone https://github.com/ggerganov/"
            "llama.cpp\n```\n\nStep 2: Move into the llama.cpp folder and build it with "
            "`LLAMA_CURL=1` flag along with other hardware-specific flags (for ex: LLAMA_CUDA=1 "
            "for Nvidia GPUs on Linux).\n```\ncd llama.cpp && LLAMA_CURL=1 make\n```\n")


def mlx(card: Card, length: int) -> str:
    """mlx-lm's conversion card."""
    return (f"# {card.model_id}\n\nThe Model [{card.model_id}](https://huggingface.co/"
            f"{card.model_id}) was converted to MLX format from [{card.parent}](https://"
            f"huggingface.co/{card.parent}) using mlx-lm version **0.{10 + card.number(1, 12)}."
            f"{card.number(2, 4)}**.\n\n## Use with mlx\n\n```bash\npip install mlx-lm\n```\n\n"
            "```python\nfrom mlx_lm import load, generate\n\n"
            f'model, tokenizer = load("{card.model_id}")\n\nprompt = "hello"\n\n'
            "response = generate(model, tokenizer, prompt=prompt, verbose=True)\n```\n")


MERGE_METHODS = ("SLERP", "TIES", "DARE TIES", "Model Stock", "linear")


def mergekit(card: Card, length: int) -> str:
    """mergekit's generated card: the method, the models merged, the YAML configuration."""
    method = MERGE_METHODS[card.number(1, len(MERGE_METHODS))]
    listed = "".join(f"* {_link(p)}\n" for p in card.parents[1:]) or f"* {_link(card.parent)}\n"
    head = (f"# {card.name}\n\nThis is a merge of pre-trained language models created using "
            "[mergekit](https://github.com/cg123/mergekit).\n\n## Merge Details\n### Merge Method"
            f"\n\nThis model was merged using the {method} merge method using "
            f"{_link(card.parent)} as a base.\n\n### Models Merged\n\nThe following models were "
            f"included in the merge:\n{listed}\n### Configuration\n\nThe following YAML "
            "configuration was used to produce this model:\n\n```yaml\nslices:\n")
    def source(k: int) -> str:
        model = card.parents[k % len(card.parents)] if card.parents else card.parent
        start = (k * 8) % 32
        return (f"  - sources:\n      - model: {model}\n        layer_range: [{start}, "
                f"{start + 8}]\n")

    tail = (f"merge_method: {method.lower().replace(' ', '_')}\nbase_model: {card.parent}\n"
            "parameters:\n  t:\n    - filter: self_attn\n      value: [0, 0.5, 0.3, 0.7, 1]\n"
            "    - filter: mlp\n      value: [1, 0.5, 0.7, 0.3, 0]\n    - value: 0.5\n"
            "dtype: bfloat16\n```\n")
    return _grow(head, length - len(tail), source, 4 * max(1, len(card.parents))) + tail


def short(card: Card, length: int) -> str:
    """A title and a line or two, as most small repos have."""
    lines = ("Work in progress.", "My first model.",
             f"Trained with {('TRL', 'Axolotl', 'LLaMA-Factory', 'unsloth')[card.number(2, 4)]}.",
             "See the base model's card for details." if card.parents else "Results below.")
    first = (f"Fine-tuned from {card.parent}.",) if card.parents else ()
    start = card.number(3, len(lines))
    chosen = first + tuple(lines[(start + k) % len(lines)] for k in range(1 + card.number(1, 2)))
    return f"# {card.name}\n\n" + "\n".join(chosen) + "\n"


def empty(card: Card, length: int) -> str:
    return ""


TEMPLATES: dict[str, Callable[[Card, int], str]] = {
    "official": official, "documented": documented, "hub_template": hub_template, "peft": peft,
    "trainer": trainer, "unsloth": unsloth, "quantizer": quantizer, "gguf_my_repo": gguf_my_repo,
    "mlx": mlx, "mergekit": mergekit, "short": short, "empty": empty,
}


def body(template: str, length: int, model_id: str, card_data: dict | None) -> str:
    """The Markdown below a README's YAML header, as `template` writes it at about `length`
    characters (the templates of fixed text keep their own length)."""
    return TEMPLATES[template](card_of(model_id, card_data), length)
