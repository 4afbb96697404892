"""The options of BoutiqueNova's demo products, derived from what each product is.

A product's own models (the letter suffixes of the data set's stock codes) stay its
``Modèle`` option. On top of them, deterministically from the product's title:

- textiles (bags, aprons, tea towels, ponchos...) come in sizes S, M, L and XL;
- an item whose description names colours comes in those colours and one or two more
  ("assorted colours" gives four);
- wrapping paper comes as a sheet or a roll, candles and t-light holders alone or by three.

Each variant gets its own SKU (the product's code followed by one code per option value) and a
price that grows with the size or the pack.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

MAX_VARIANTS: Final = 12


@dataclass(frozen=True, slots=True)
class DemoVariant:
    sku: str
    label: str
    price_minor: int
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """``option_names`` name the values of each variant's ``options``, in order;
    ``base_sku`` is the SKU a product seeded without derived options had."""

    title: str
    variants: tuple[DemoVariant, ...]
    option_names: tuple[str, ...] = ()
    base_sku: str = ""


@dataclass(frozen=True, slots=True)
class OptionValue:
    label: str
    code: str
    price_percent: int = 0


SIZES: Final = (
    OptionValue("S", "S"),
    OptionValue("M", "M", 10),
    OptionValue("L", "L", 20),
    OptionValue("XL", "XL", 30),
)
TEXTILES: Final = re.compile(
    r"\b(?:JUMBO BAG|LUNCH BAG|CHARLOTTE BAG|SHOPPER|STORAGE BAG|RECYCLING BAG|SHOPPER BAG|"
    r"TOTE BAG|APRON|TEA TOWELS?|PONCHO|FLANNEL|TORCHON|PLAID)\b",
    re.IGNORECASE,
)
# English colour words of the data set and their French names; the order is the palette's.
COLOURS: Final = {
    "RED": OptionValue("Rouge", "ROU"),
    "BLUE": OptionValue("Bleu", "BLE"),
    "GREEN": OptionValue("Vert", "VER"),
    "PINK": OptionValue("Rose", "ROS"),
    "BLACK": OptionValue("Noir", "NOI"),
    "WHITE": OptionValue("Blanc", "BLA"),
    "YELLOW": OptionValue("Jaune", "JAU"),
    "CREAM": OptionValue("Crème", "CRE"),
    "ORANGE": OptionValue("Orange", "ORA"),
    "SILVER": OptionValue("Argent", "ARG"),
    "GOLD": OptionValue("Doré", "DOR"),
    "PURPLE": OptionValue("Violet", "VIO"),
}
PALETTE: Final = tuple(COLOURS.values())[:8]
ASSORTED: Final = re.compile(r"\bASS(?:OR)?TE?D\b.*\bCOLOU?RS?\b|\bCOLOU?RS?\b.*\bASS", re.I)
PACKS: Final = (
    (
        re.compile(r"\bWRAP\b", re.IGNORECASE),
        "Format",
        (OptionValue("Feuille 50 x 70 cm", "F"), OptionValue("Rouleau 3 m", "R3", 150)),
    ),
    (
        re.compile(r"\b(?:T-LIGHT|CANDLES?|LANTERN)\b", re.IGNORECASE),
        "Lot",
        (OptionValue("À l'unité", "U1"), OptionValue("Lot de 3", "X3", 170)),
    ),
)


def named_colours(title: str) -> list[OptionValue]:
    """The colours the title names, in the order it names them."""
    words = re.findall(r"[A-Z]+", title.upper())
    return list(dict.fromkeys(COLOURS[word] for word in words if word in COLOURS))


def _colour_values(title: str, index: int, wanted: int) -> tuple[OptionValue, ...]:
    named = named_colours(title)
    if ASSORTED.search(title):
        wanted = max(wanted, 4)
    if not named and not ASSORTED.search(title):
        return ()
    others = [PALETTE[(index + k) % len(PALETTE)] for k in range(len(PALETTE))]
    values = list(dict.fromkeys([*named, *others]))
    return tuple(values[: max(wanted, len(named))])


def derived_options(
    title: str, index: int, *, has_models: bool
) -> list[tuple[str, tuple[OptionValue, ...]]]:
    """The options (name, values) a product gets from its title; none for most of them."""
    textile = TEXTILES.search(title) is not None
    options: list[tuple[str, tuple[OptionValue, ...]]] = []
    if not has_models:
        colours = _colour_values(title, index, 2 if textile else 3)
        if colours:
            options.append(("Couleur", colours))
    if textile:
        options.append(("Taille", SIZES))
    if not options and not has_models:
        for pattern, name, values in PACKS:
            if pattern.search(title):
                options.append((name, values))
                break
    return options


def with_options(product: DemoProduct, index: int, shop_price: Callable[[int], int]) -> DemoProduct:
    """``product`` with its derived options: every existing variant times every combination
    of their values (at most :data:`MAX_VARIANTS` variants), priced by ``shop_price``."""
    has_models = len(product.variants) > 1
    options = derived_options(product.title, index, has_models=has_models)
    base_sku = product.variants[0].sku
    if not options:
        return DemoProduct(product.title, product.variants, product.option_names, base_sku)
    per_base = 1
    for _name, values in options:
        per_base *= len(values)
    bases = product.variants[: max(1, MAX_VARIANTS // per_base)]
    variants = []
    for base in bases:
        for combination in itertools.product(*(values for _name, values in options)):
            labels = (*base.options, *(value.label for value in combination))
            percent = 100 + sum(value.price_percent for value in combination)
            variants.append(
                DemoVariant(
                    sku="-".join((base.sku, *(value.code for value in combination))),
                    label=" / ".join(labels),
                    price_minor=shop_price(base.price_minor * percent // 100),
                    options=labels,
                )
            )
    names = (*product.option_names, *(name for name, _values in options))
    return DemoProduct(product.title, tuple(variants), names, base_sku)
