"""A BMEcat 2005 catalogue of any size, written product by product (tests and bench)."""

from __future__ import annotations

import sys
from pathlib import Path

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE BMECAT SYSTEM "http://www.eclass.eu/static/eClassXML/2.0/bmecat/bmecat_2005_tnc.dtd">
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
  <HEADER>
    <CATALOG>
      <LANGUAGE>swe</LANGUAGE>
      <CATALOG_ID>GEN</CATALOG_ID>
      <CATALOG_VERSION>1.0</CATALOG_VERSION>
      <CURRENCY>SEK</CURRENCY>
    </CATALOG>
    <SUPPLIER><SUPPLIER_NAME>Lager Malmö AB</SUPPLIER_NAME></SUPPLIER>
  </HEADER>
  <T_NEW_CATALOG>
"""
PRODUCT = """    <PRODUCT mode="new">
      <SUPPLIER_PID>GEN-{i}</SUPPLIER_PID>
      <PRODUCT_DETAILS>
        <DESCRIPTION_SHORT>Generated product {i}</DESCRIPTION_SHORT>
        <DESCRIPTION_LONG>A product written to test streaming, number {i}.</DESCRIPTION_LONG>
      </PRODUCT_DETAILS>
      <PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT><CONTENT_UNIT>C62</CONTENT_UNIT></PRODUCT_ORDER_DETAILS>
      <PRODUCT_PRICE_DETAILS>
        <PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>{price}</PRICE_AMOUNT></PRODUCT_PRICE>
      </PRODUCT_PRICE_DETAILS>
    </PRODUCT>
"""
TAIL = "  </T_NEW_CATALOG>\n</BMECAT>\n"


def write_catalogue(path: Path, count: int) -> Path:
    """Write a catalogue of ``count`` products to ``path``."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for i in range(count):
            fh.write(PRODUCT.format(i=i, price=f"{10 + i % 90}.50"))
        fh.write(TAIL)
    return path


if __name__ == "__main__":
    write_catalogue(Path(sys.argv[1]), int(sys.argv[2]))
