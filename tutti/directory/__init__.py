"""The structure's people: the person list (filters, sorting, paging, tags), phone numbers, the selections."""
