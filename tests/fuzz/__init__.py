"""The one deliberately cross-cutting battery: property-based fuzzing of every route, every form and every
documented API operation (Open311 and the JSON APIs, test_openapi*.py) at once. Every other test lives in the
folder that mirrors the code it tests (tests/<blueprint>/, tests/services/, tests/models/, tests/gis/,
tests/test_<module>.py; browser tests in tests/e2e/)."""
