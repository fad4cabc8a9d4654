"""Language checks: vocabulary matching, quotations, completeness hints."""
