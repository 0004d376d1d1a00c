"""Description categories, product types and their attributes (OInt group "Attributes-and-features").

GetProductsRequestsLimits, documented in the same OInt folder, is declared with the
product import methods.
"""

from __future__ import annotations

from typing import Any

from oint.compat.registry import Method, P, Param
from oint.compat.values import ID, STRING, as_str
from oint.core.errors import UsageError

GROUP = "Attributes-and-features"
VALUES_PAGE_SIZE = "200"  # OInt's fixed page of /v1/description-category/attribute/values
SEARCH_LIMIT = "100"  # OInt's fixed limit of /v1/description-category/attribute/values/search
LANGUAGE_DOC = "Response language: DEFAULT (Russian), RU, EN, TR (Turkish), ZH_HANS (Chinese)"


def last_value_id(start: Any) -> str:
    """OInt's `last_value_id = start - 1` as a string; "" (left out) for start 1.

    `start` is the id of the first dictionary value wanted; Ozon answers values with
    ids greater than `last_value_id`.
    """
    text = str(start).strip()
    if not text.lstrip("-").isdigit():
        raise UsageError(f"--start: expected the id of a dictionary value (a whole number), got {start!r}")
    number = int(text)
    if number < 1:
        raise UsageError(f"--start: expected a dictionary value id of 1 or more, got {number}")
    return str(number - 1) if number > 1 else ""


def _lang() -> Param:
    return P(
        "lang",
        "lang",
        STRING,
        ru="Язык",
        en="Lang",
        default="DEFAULT",
        doc=LANGUAGE_DOC,
        type_doc="String",
        field="language",
    )


def _category_id() -> Param:
    return P(
        "category_id",
        "categoryid",
        ID,
        ru="IDКатегории",
        en="CategoryID",
        required=True,
        doc="Category identifier",
        type_doc="String, Number",
        field="description_category_id",
        convert=as_str,
    )


def _type_id() -> Param:
    return P(
        "type_id",
        "typeid",
        ID,
        ru="IDТипа",
        en="TypeID",
        required=True,
        doc="Product type identifier",
        type_doc="String, Number",
        field="type_id",
        convert=as_str,
    )


def _attribute_id(doc: str) -> Param:
    return P(
        "attribute_id",
        "attributeid",
        ID,
        ru="IDХарактеристики",
        en="AttributeID",
        required=True,
        doc=doc,
        type_doc="String, Number",
        field="attribute_id",
        convert=as_str,
    )


GET_CATEGORIES_AND_PRODUCT_TYPES_TREE = Method(
    name_en="GetCategoriesAndProductTypesTree",
    name_ru="ПолучитьДеревоКатегорийИТиповТоваров",
    group=GROUP,
    python="get_categories_and_product_types_tree",
    summary="Get Ozon's tree of description categories and product types.",
    operation="/v1/description-category/tree",
    params=(_lang(),),
    notes=(
        "Nodes carry description_category_id, category_name, disabled and children; the last level "
        "holds product types (type_id, type_name) with empty children.",
        "Products can only be created in last-level categories, with one of their types; "
        "disabled = true means products cannot be created there. Categories are not created on request.",
        "Choose the category carefully: commission rates differ between categories.",
    ),
    example='oint ozon GetCategoriesAndProductTypesTree --clientid "***" --apikey "***"',
)

GET_CATEGORY_ATTRIBUTES = Method(
    name_en="GetCategoryAttributes",
    name_ru="ПолучитьХарактеристикиКатегории",
    group=GROUP,
    python="get_category_attributes",
    summary="Get the attributes (characteristics) of a description category and product type.",
    operation="/v1/description-category/attribute",
    params=(_category_id(), _type_id(), _lang()),
    notes=(
        "Take the category and type ids from GetCategoriesAndProductTypesTree: the type must belong "
        "to that last-level category.",
        "dictionary_id = 0 means the attribute has no nested dictionary; otherwise get its values with "
        "GetAttributeValues or SearchAttributeValue.",
        "is_required marks attributes a product must have; attribute_complex_id != 0 marks parts of a "
        "complex attribute (e.g. 100001 video, 100002 video cover).",
    ),
    example='oint ozon GetCategoryAttributes --clientid "***" --apikey "***" --categoryid 17029016 '
    "--typeid 970778135",
)

GET_ATTRIBUTE_VALUES = Method(
    name_en="GetAttributeValues",
    name_ru="ПолучитьЗначенияХарактеристики",
    group=GROUP,
    python="get_attribute_values",
    summary="Get the dictionary values of an attribute, a page of 200 starting at --start.",
    operation="/v1/description-category/attribute/values",
    params=(
        _category_id(),
        _type_id(),
        _attribute_id("Attribute ID to get values for"),
        P(
            "start",
            "start",
            ID,
            ru="IDСправочника",
            en="CatalogID",
            default=1,
            doc="ID of the first dictionary value in the response",
            type_doc="String, Number",
            field="last_value_id",
            convert=last_value_id,
        ),
        _lang(),
    ),
    fixed={"limit": VALUES_PAGE_SIZE},
    notes=(
        "Whether an attribute has a nested dictionary is shown by GetCategoryAttributes "
        "(dictionary_id != 0).",
        "Values come ordered by id, 200 per call. has_next = true means more values follow: call again "
        "with --start set to the last id received + 1 (the library sends last_value_id = start - 1).",
        "Ozon accepts 1..2000 values per page; OInt always asks for 200.",
    ),
    example='oint ozon GetAttributeValues --clientid "***" --apikey "***" --categoryid 17054869 '
    "--typeid 97311 --attributeid 85",
)

SEARCH_ATTRIBUTE_VALUE = Method(
    name_en="SearchAttributeValue",
    name_ru="НайтиЗначенияХарактеристики",
    group=GROUP,
    python="search_attribute_value",
    summary="Search an attribute's dictionary values by text (up to 100 matches).",
    operation="/v1/description-category/attribute/values/search",
    params=(
        _category_id(),
        _type_id(),
        _attribute_id("Attribute ID to search values of"),
        P(
            "value",
            "value",
            STRING,
            ru="Значение",
            en="Value",
            required=True,
            doc="Value to search for",
            type_doc="String",
            field="value",
        ),
    ),
    fixed={"limit": SEARCH_LIMIT},
    notes=(
        "Whether an attribute has a nested dictionary is shown by GetCategoryAttributes.",
        "The value must be at least 2 characters; matching ignores case. Up to 100 matches, no paging.",
        "No language parameter (unlike GetAttributeValues).",
    ),
    example='oint ozon SearchAttributeValue --clientid "***" --apikey "***" --categoryid 17054869 '
    '--typeid 97311 --attributeid 85 --value "Sunshine"',
)

METHODS = (
    GET_CATEGORIES_AND_PRODUCT_TYPES_TREE,
    GET_CATEGORY_ATTRIBUTES,
    GET_ATTRIBUTE_VALUES,
    SEARCH_ATTRIBUTE_VALUE,
)
