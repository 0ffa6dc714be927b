"""README bodies of models that document no parent in their YAML, by the template that wrote them.

Each template is a real card family: the transformers Trainer's generated card (structure of the
~240 Trainer cards in shared/hub-samples/cards-2022-sample.jsonl.gz: the comment line, the
"fine-tuned version of [X](https://huggingface.co/X) on the Y dataset." sentence, evaluation
results, "More information needed" sections, hyperparameters, a results table, framework
versions), huggingface_hub's default template ("Finetuned from model [optional]"), PEFT's
card before 0.6, TheBloke's quantization cards (with the original card pasted below), mergekit's
generated card, and the free prose of hand-written cards, naming a repo or only a family.
Numbers in them come from a hash of the repo id, so a card never changes between requests.
"""

from __future__ import annotations

from hub_double.files.layouts import salt

TRANSFORMERS_VERSIONS = (("2022-03", "4.17.0", "1.10.0+cu111", "1.18.4", "0.11.6"),
                         ("2022-09", "4.22.2", "1.12.1+cu113", "2.5.1", "0.12.1"),
                         ("2023-03", "4.27.4", "1.13.1+cu116", "2.10.1", "0.13.2"),
                         ("2023-09", "4.33.2", "2.0.1+cu118", "2.14.5", "0.13.3"),
                         ("2024-03", "4.39.3", "2.2.1+cu121", "2.18.0", "0.15.2"),
                         ("2024-09", "4.44.2", "2.4.1+cu121", "3.0.1", "0.19.1"),
                         ("2025-03", "4.49.0", "2.6.0+cu124", "3.3.2", "0.21.0"))
METRIC = {"text-classification": "Accuracy", "token-classification": "F1",
          "automatic-speech-recognition": "Wer", "image-classification": "Accuracy",
          "fill-mask": "Accuracy"}
MORE = "More information needed"
HUB_FIELDS = ("Developed by", "Funded by [optional]", "Shared by [optional]", "Model type",
              "Language(s) (NLP)", "License")


def versions(created: str) -> tuple[str, str, str, str]:
    """(transformers, pytorch, datasets, tokenizers) versions current at `created`."""
    current = TRANSFORMERS_VERSIONS[0]
    for row in TRANSFORMERS_VERSIONS:
        if created >= row[0]:
            current = row
    return current[1:]


def _link(ref: str) -> str:
    return f"[{ref}](https://huggingface.co/{ref})"


def trainer(name: str, parent: str, dataset: str | None, pipeline: str | None,
            created: str) -> str:
    """The Trainer's generated card; `parent` as the Trainer wrote it (a legacy id, a path, "")."""
    s = salt(name, "trainer")
    metric = METRIC.get(pipeline or "")
    loss = round(0.2 + (s % 2000) / 1000, 4)
    results = f"- Loss: {loss}\n" + (f"- {metric}: {round(0.6 + (s >> 11) % 390 / 1000, 4)}\n"
                                     if metric else "")
    epochs = 1 + s % 5
    rows = "".join(f"| {round(loss + (epochs - e) * 0.3, 4)} | {e}.0 | {e * 500} | "
                   f"{round(loss + (epochs - e) * 0.2, 4)} |\n" for e in range(1, epochs + 1))
    tf, torch, ds, tok = versions(created)
    lr = ("2e-05", "5e-05", "0.0002", "0.0001")[s % 4]
    return (
        "<!-- This model card has been generated automatically according to the information the "
        "Trainer had access to. You\nshould probably proofread and complete it, then remove this "
        f"comment. -->\n\n# {name}\n\nThis model is a fine-tuned version of "
        f"[{parent}](https://huggingface.co/{parent}) on the {dataset or 'None'} dataset.\n"
        f"It achieves the following results on the evaluation set:\n{results}\n"
        f"## Model description\n\n{MORE}\n\n## Intended uses & limitations\n\n{MORE}\n\n"
        f"## Training and evaluation data\n\n{MORE}\n\n## Training procedure\n\n"
        "### Training hyperparameters\n\nThe following hyperparameters were used during "
        f"training:\n- learning_rate: {lr}\n- train_batch_size: {8 << s % 3}\n"
        f"- eval_batch_size: 8\n- seed: 42\n- optimizer: Adam with betas=(0.9,0.999) and "
        f"epsilon=1e-08\n- lr_scheduler_type: linear\n- num_epochs: {epochs}\n\n"
        "### Training results\n\n| Training Loss | Epoch | Step | Validation Loss |\n"
        f"|:-------------:|:-----:|:----:|:---------------:|\n{rows}\n\n"
        f"### Framework versions\n\n- Transformers {tf}\n- Pytorch {torch}\n- Datasets {ds}\n"
        f"- Tokenizers {tok}\n")


def hub_template(name: str, parent: str | None) -> str:
    """huggingface_hub's default model card: fields left as placeholders unless filled."""
    fields = "".join(f"- **{field}:** [More Information Needed]\n" for field in HUB_FIELDS)
    finetuned = parent or "[More Information Needed]"
    return (f"# Model Card for {name}\n\n<!-- Provide a quick summary of what the model "
            "is/does. -->\n\n\n\n## Model Details\n\n### Model Description\n\n<!-- Provide a "
            f"longer summary of what this model is. -->\n\n\n\n{fields}"
            f"- **Finetuned from model [optional]:** {finetuned}\n\n### Model Sources "
            "[optional]\n\n- **Repository:** [More Information Needed]\n\n## Uses\n\n"
            "### Direct Use\n\n[More Information Needed]\n\n## Training Details\n\n"
            "### Training Data\n\n[More Information Needed]\n")


def peft_card(created: str) -> str:
    """PEFT's card before 0.6: the quantization config and the library version, no parent."""
    version = "0.4.0" if created < "2023-08-01" else "0.5.0"
    return ("## Training procedure\n\n\nThe following `bitsandbytes` quantization config was used "
            "during training:\n- load_in_8bit: False\n- load_in_4bit: True\n"
            "- bnb_4bit_quant_type: nf4\n- bnb_4bit_use_double_quant: True\n"
            f"- bnb_4bit_compute_dtype: bfloat16\n### Framework versions\n\n\n- PEFT {version}\n")


def prose(name: str, parent: str, dataset: str | None) -> str:
    """A hand-written card naming its parent, in one of the common phrasings."""
    data = dataset or "a private instruction dataset"
    variants = (f"# {name}\n\nFine-tuned {_link(parent)} on {data}.\n",
                f"# {name}\n\nThis model is based on {_link(parent)}, trained further on {data}.\n",
                f"# {name}\n\nWe obtained this model by fine-tuning `{parent}` on {data} for "
                "three epochs.\n",
                f"## {name}\n\nA model fine-tuned from {_link(parent)} with LoRA, then merged.\n",
                f"# {name}\n\nThis checkpoint continues `{parent}` with two more epochs on "
                f"{data}.\n",
                f"# {name}\n\n| | |\n|---|---|\n| Starting checkpoint | {parent} |\n"
                f"| Data | {data} |\n")
    return variants[salt(name, "prose") % len(variants)]


def family(name: str, family_name: str, dataset: str | None) -> str:
    """A card naming only a model family ("LLaMA-7B", "Llama 2"): no repo to resolve."""
    data = dataset or "our own conversations"
    variants = (f"# {name}\n\n{family_name} fine-tuned on {data}.\n",
                f"# {name}\n\nA {family_name} model trained to follow instructions, using "
                f"{data}.\n\n## Usage\n\nLoad it with transformers.\n",
                f"This repo contains a low-rank adapter for {family_name} fit on {data}.\n")
    return variants[salt(name, "family") % len(variants)]


def minimal(name: str) -> str:
    variants = (f"# {name}\n", f"# {name}\n\nMy first model.\n", "",
                f"{name}\n\nWork in progress.\n")
    return variants[salt(name, "minimal") % len(variants)]


def lora_for(name: str, parent: str) -> str:
    return (f"# {name}\n\nLoRA adapter for {_link(parent)}, trained with PEFT.\n\n"
            "## Usage\n\n```python\nfrom peft import PeftModel\n```\n")


def quant_of(name: str, parent: str, fmt: str) -> str:
    return f"# {name}\n\n{fmt} quantized version of {_link(parent)}.\n"


def quant_plain(name: str, fmt: str) -> str:
    runtime = "llama.cpp and LM Studio" if fmt == "GGUF" else "fast inference"
    return f"# {name}\n\n{fmt} files of my fine-tuned model, for {runtime}.\n"


def format_files(name: str, parent: str, fmt: str, grandparent: str | None) -> str:
    """TheBloke's template: the source named in 'Original model' and '... model files for';
    the source's own card pasted below, whose Trainer sentence names the grandparent."""
    creator, _, title = parent.partition("/")
    body = (f"# {title} - {fmt}\n- Model creator: [{creator}](https://huggingface.co/{creator})\n"
            f"- Original model: [{title}](https://huggingface.co/{parent})\n\n## Description\n\n"
            f"This repo contains {fmt} format model files for [{creator}'s {title}]"
            f"(https://huggingface.co/{parent}).\n")
    if grandparent:
        body += (f"\n<!-- original-model-card start -->\n# Original model card: {creator}'s {title}"
                 f"\n\nThis model is a fine-tuned version of {_link(grandparent)} on the None "
                 "dataset.\n")
    return body


def merge_card(name: str, method: str, models: list[str], base: str | None,
               config: str) -> str:
    """mergekit's generated card: the method, the list of merged models, the YAML."""
    listed = "".join(f"* {_link(m) if '/' in m and not m.startswith('.') else m}\n"
                     for m in models if m != base)
    using = f" using {_link(base)} as a base" if base else ""
    return (f"# {name}\n\nThis is a merge of pre-trained language models created using "
            "[mergekit](https://github.com/cg123/mergekit).\n\n## Merge Details\n### Merge Method"
            f"\n\nThis model was merged using the {method} merge method{using}.\n\n"
            "### Models Merged\n\nThe following models were included in the merge:\n"
            f"{listed}\n### Configuration\n\nThe following YAML configuration was used to "
            f"produce this model:\n\n```yaml\n{config}```\n")


def merge_of(name: str, models: list[str]) -> str:
    named = [_link(m) for m in models]
    listed = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
    return f"# {name}\n\n{name} is a merge of {listed}.\n"


def links(name: str, parent: str) -> str:
    return (f"# {name}\n\nChat model for everyday questions.\n\n## Resources\n\n"
            f"- Base: https://huggingface.co/{parent}\n")


def mention(other: str) -> str:
    """A sentence naming another model than the parent: comparisons real cards are full of."""
    return f"\nCompared with {_link(other)}, it gives shorter answers.\n"
