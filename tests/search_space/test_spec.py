"""Specs: JSON round trip, content hash, and errors that name the field."""

from __future__ import annotations

import json

import pytest

from search_space.fixed import FIXED_SPECS, fixed_spec
from search_space.spaces import ChoiceError, get_space
from search_space.spec import ArchSpec, AvgPool, Conv2D, DSBlock, SpecError


@pytest.mark.parametrize("name", sorted(FIXED_SPECS))
def test_json_round_trip_keeps_architecture_hash_and_choices(name: str) -> None:
    spec = FIXED_SPECS[name]
    back = ArchSpec.from_json(spec.to_json(indent=2))
    assert back == spec
    assert back.content_hash == spec.content_hash
    assert back.choices == spec.choices
    assert back.to_dict() == spec.to_dict()


def test_hash_depends_on_architecture_only() -> None:
    a = ArchSpec((49, 10, 1), (Conv2D(64, (10, 4), 2), DSBlock(64)), 12, name="a")
    b = ArchSpec((49, 10, 1), (Conv2D(64, (10, 4), (2, 2)), DSBlock(64, (1, 1))), 12, name="b", space="x")
    c = ArchSpec((49, 10, 1), (Conv2D(64, (10, 4), 2), DSBlock(68)), 12, name="a")
    assert a.content_hash == b.content_hash  # int and pair strides are the same layer; names don't count
    assert a.content_hash != c.content_hash
    assert len({s.content_hash for s in FIXED_SPECS.values()}) == len(FIXED_SPECS)


def test_hash_is_stable_across_processes() -> None:
    # The hash is sha256 of canonical JSON: pin one value so an accidental format change is caught.
    spec = ArchSpec((32, 32, 1), (Conv2D(8, 3), AvgPool()), 4)
    canonical = json.dumps(spec.architecture_dict(), sort_keys=True, separators=(",", ":"))
    import hashlib

    assert spec.content_hash == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert '"type":"avgpool"' in canonical and '"kind"' not in canonical


def test_stated_hash_must_match() -> None:
    data = fixed_spec("kws-s").to_dict()
    data["layers"][0]["filters"] = 88
    with pytest.raises(SpecError, match=r"^hash: "):
        ArchSpec.from_dict(data)


def _spec_dict(**changes: object) -> dict:
    data = fixed_spec("ad-s").to_dict()
    data.pop("hash")
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["layers"][1].update(type="mbconv"), r"layers\[1\]\.type"),
        (lambda d: d["layers"][1].update(filters=-8), r"layers\[1\]\.filters"),
        (lambda d: d["layers"][1].update(filters=30), r"layers\[1\]\.filters"),
        (lambda d: d["layers"][0].update(filters=0), r"layers\[0\]\.filters"),
        (lambda d: d["layers"][2].update(stride=[0, 1]), r"layers\[2\]\.stride"),
        (lambda d: d["layers"][2].update(activation="gelu"), r"layers\[2\]\.activation"),
        (lambda d: d["layers"][2].update(padding="full"), r"layers\[2\]\.padding"),
        (lambda d: d["layers"][2].update(width=3), r"layers\[2\]\.width"),
        (lambda d: d["layers"][2].pop("filters"), r"layers\[2\]"),
        (lambda d: d.update(num_classes=0), r"num_classes"),
        (lambda d: d.update(input_shape=[32, 32]), r"input_shape"),
        (lambda d: d.pop("layers"), r"layers"),
        (lambda d: d.update(colour="red"), r"colour"),
    ],
)
def test_invalid_spec_names_the_field(mutate, field: str) -> None:
    data = _spec_dict()
    mutate(data)
    with pytest.raises(SpecError, match=rf"^{field}: "):
        ArchSpec.from_dict(data)


def test_stride_that_empties_a_tensor_names_the_layer() -> None:
    # 8x8 -> 4x4 -> 2x2; a third stride-4 block has nothing left to stride over.
    spec = ArchSpec((8, 8, 1), (Conv2D(8, 3), DSBlock(8, 2), DSBlock(8, 2), DSBlock(8, 4)), 4)
    with pytest.raises(SpecError, match=r"^layers\[3\]\.stride: stride \[4, 4\] is larger than the 2x2 input"):
        spec.validate()
    # A 'valid' window larger than what the strides left is an empty tensor too.
    spec = ArchSpec((8, 8, 1), (Conv2D(8, 3, 2), DSBlock(8, 1, kernel=5, padding="valid")), 4)
    with pytest.raises(SpecError, match=r"^layers\[1\]\.kernel: .*4x4 input into an empty 0x0 output"):
        spec.validate()
    pooled = ArchSpec((8, 8, 1), (Conv2D(8, 3, 4), AvgPool(3, 1, "valid")), 4)
    with pytest.raises(SpecError, match=r"^layers\[1\]\.pool: .*2x2 input into an empty 0x0 output"):
        pooled.validate()


def test_input_shape_and_classes_must_match_the_space() -> None:
    kws = get_space("kws")
    spec = fixed_spec("kws-s")
    kws.check_spec(spec)
    with pytest.raises(SpecError, match=r"^input_shape: space 'kws' expects \[49, 10, 1\]"):
        kws.check_spec(ArchSpec((32, 32, 1), spec.layers, 12))
    with pytest.raises(SpecError, match=r"^num_classes: "):
        kws.check_spec(ArchSpec(spec.input_shape, spec.layers, 10))
    with pytest.raises(SpecError, match=r"^input_shape: space 'vww50'"):
        get_space("vww50").check_spec(ArchSpec((160, 160, 1), spec.layers, 2))


def test_bad_choices_name_the_decision() -> None:
    kws = get_space("kws")
    good = dict(fixed_spec("kws-m").choices)
    assert kws.build(good).content_hash == fixed_spec("kws-m").content_hash
    with pytest.raises(ChoiceError, match=r"^choices\.stem\.filters: 30 is not an option"):
        kws.build({**good, "stem.filters": 30})
    with pytest.raises(ChoiceError, match=r"^choices\.block1\.keep: "):
        kws.build({**good, "block1.keep": 1})
    with pytest.raises(ChoiceError, match=r"^choices\.block10\.filters: unknown decision"):
        kws.build({**good, "block10.filters": 8})
    missing = dict(good)
    missing.pop("block3.filters")
    with pytest.raises(ChoiceError, match=r"^choices\.block3\.filters: missing"):
        kws.build(missing)


def test_load_names_the_file(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"input_shape": [49, 10, 1], "num_classes": 12, "layers": [{"type": "conv2d", "filters": 6}]}')
    with pytest.raises(SpecError, match=r"bad\.json: layers\[0\]\.filters: "):
        ArchSpec.load(path)
    path.write_text("{not json")
    with pytest.raises(SpecError, match=r"bad\.json: spec: not valid JSON"):
        ArchSpec.load(path)
