"""Packaging that pyproject.toml cannot say alone: every package under energyplan/ is discovered (a new
subpackage cannot silently miss the wheel), and the top-level rules/ catalog ships inside the wheel as the
package data of energyplan._rules (energyplan/catalog.py finds it there, or at ../rules in a checkout)."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["energyplan", "energyplan.*"], exclude=["*.__pycache__"]),
              "energyplan._rules"],
    package_dir={"energyplan._rules": "rules"},
)
