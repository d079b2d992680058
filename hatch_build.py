"""Build hook: a wheel installs the repository's floor folders inside the `claims`
import root (claims/kernel, claims/extract, ...). An editable install leaves them in
place; claims/__init__.py then finds them beside itself."""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FLOORS = ("kernel", "extract", "evals", "cli")


class FloorsHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version != "standard":
            return
        for floor in FLOORS:
            build_data["force_include"][floor] = f"claims/{floor}"
        build_data["force_include"]["prompts"] = "claims/bundled/prompts"
