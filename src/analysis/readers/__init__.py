"""Reading and validation: files, Chinese numbers, schemas, the dataset steps by name. Imports only config/parameters."""
