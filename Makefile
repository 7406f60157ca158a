# Salamin: the two commands are `make run` and `make test`; both do their own set-up.
.PHONY: setup run test lint bench-matching clean

setup:
	scripts/setup.sh

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check functions/salamin functions/main.py tests bench scripts runner
	.venv/bin/python -m mypy
	npm --prefix web run --silent lint
	npm --prefix web run --silent test:unit
	npm --prefix web run --silent unused

bench-matching:
	.venv/bin/python bench/matching_sim.py
	.venv/bin/python bench/matching_load.py

clean:
	rm -rf .cache web/dist
