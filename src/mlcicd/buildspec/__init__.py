"""Build, load, lint and run AWS CodeBuild buildspecs locally, with CodeBuild's semantics."""

from mlcicd.buildspec.model import Buildspec, from_dict, to_dict

__all__ = ["Buildspec", "from_dict", "to_dict"]
