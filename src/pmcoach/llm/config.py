"""Which model to use: ``--model``, the environment, or ``PMCOACH_HOME/config.toml``.

    pmcoach practice --model ollama:llama3.1          # a local Ollama server
    pmcoach practice --model openai:gpt-4o-mini       # needs OPENAI_API_KEY
    pmcoach practice --model compat:my-model          # needs PMCOACH_LLM_BASE_URL
    pmcoach practice --model llm:claude-3.5-sonnet    # any model of the llm library
    pmcoach practice --model coach                    # a [models.coach] entry in config.toml

config.toml:

    model = "coach"                 # the default when --model is not given

    [models.coach]
    provider = "compat"             # compat | openai | ollama | llamacpp | lmstudio | vllm | llm
    model = "qwen2.5:7b"
    base_url = "http://127.0.0.1:11434/v1"
    api_key_env = "MY_KEY"          # the variable holding the key, if any
    timeout = 30
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from typing import Any

from .. import paths
from .base import Backend, LLMError

DEFAULT_URLS = {
    "openai": "https://api.openai.com/v1",
    "ollama": "http://127.0.0.1:11434/v1",
    "llamacpp": "http://127.0.0.1:8080/v1",
    "lmstudio": "http://127.0.0.1:1234/v1",
    "vllm": "http://127.0.0.1:8000/v1",
}
PROVIDERS = (*DEFAULT_URLS, "compat", "llm")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    provider: str
    model: str
    base_url: str | None
    api_key_env: str | None
    options: dict[str, Any]
    source: str


def config_file() -> Any:
    return paths.home() / "config.toml"


def load_config() -> dict[str, Any]:
    f = config_file()
    if not f.exists():
        return {}
    try:
        return tomllib.loads(f.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LLMError(f"{f}: {e}") from None


def resolve(name: str | None) -> ModelSpec | None:
    """The model to use, or None when none is configured (the engine works alone)."""
    cfg = load_config()
    source = "--model"
    if not name:
        name = os.environ.get("PMCOACH_LLM_MODEL") or cfg.get("model")
        source = "PMCOACH_LLM_MODEL" if os.environ.get("PMCOACH_LLM_MODEL") else "config.toml"
    if not name:
        return None
    table = cfg.get("models", {})
    if name in table:
        entry = dict(table[name])
        provider = entry.pop("provider", "compat")
        model = entry.pop("model", name)
        base_url = entry.pop("base_url", None)
        key_env = entry.pop("api_key_env", None)
        return _check(ModelSpec(name, provider, model, base_url, key_env, entry, f"config.toml [models.{name}]"))
    if ":" not in name:
        raise LLMError(f"unknown model {name!r}: use PROVIDER:MODEL (providers: {', '.join(PROVIDERS)}) or add "
                       f"[models.{name}] to {config_file()}")
    provider, model = name.split(":", 1)
    return _check(ModelSpec(name, provider, model, None, None, {}, source))


def _check(spec: ModelSpec) -> ModelSpec:
    if spec.provider not in PROVIDERS:
        raise LLMError(f"unknown provider {spec.provider!r} in {spec.name!r}: choose one of {', '.join(PROVIDERS)}")
    if not spec.model:
        raise LLMError(f"{spec.name!r} names no model")
    return spec


def build(spec: ModelSpec) -> Backend:
    if spec.provider == "llm":
        from .llm_library import LLMLibrary

        return LLMLibrary(spec.model)
    from .openai_compat import CompatOptions, OpenAICompatible

    base = spec.base_url or os.environ.get("PMCOACH_LLM_BASE_URL") or DEFAULT_URLS.get(spec.provider)
    if not base:
        raise LLMError(f"{spec.name}: set PMCOACH_LLM_BASE_URL to your server, e.g. "
                       "export PMCOACH_LLM_BASE_URL=http://127.0.0.1:8080/v1")
    key_env = spec.api_key_env or ("OPENAI_API_KEY" if spec.provider == "openai" else "PMCOACH_LLM_API_KEY")
    key = os.environ.get("PMCOACH_LLM_API_KEY") or os.environ.get(key_env)
    if spec.provider == "openai" and not key and base == DEFAULT_URLS["openai"]:
        raise LLMError(f"{spec.name} needs a key: export {key_env}=sk-... (or PMCOACH_LLM_API_KEY)")
    try:
        opts = CompatOptions(base_url=base, model=spec.model, api_key=key, key_hint=key_env, **spec.options)
    except Exception as e:  # pydantic's ValidationError, worded for one line
        raise LLMError(f"{spec.source}: {str(e).splitlines()[0]} ({str(e).splitlines()[-1].strip()})") from None
    return OpenAICompatible(opts)


def backend(name: str | None) -> Backend | None:
    spec = resolve(name)
    return build(spec) if spec else None


def configured() -> list[ModelSpec]:
    """Everything the user has configured, for 'pmcoach models'."""
    out: list[ModelSpec] = []
    cfg = load_config()
    for n in cfg.get("models", {}):
        spec = resolve(n)
        if spec:
            out.append(spec)
    env = os.environ.get("PMCOACH_LLM_MODEL")
    if env and env not in cfg.get("models", {}):
        spec = resolve(env)
        if spec:
            out.append(spec)
    return out
