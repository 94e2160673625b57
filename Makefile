.PHONY: demo test stop services lint messages backup restore

demo:      ## set up and run the portal with demo data
	bash scripts/demo.sh

test:      ## set up and run the whole test suite
	bash scripts/test.sh

stop:      ## stop what `make demo` started
	bash scripts/celery.sh stop
	bash scripts/services.sh stop

services:  ## start PostgreSQL and Redis only
	bash scripts/services.sh start

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:  ## refresh the Chinese catalogue after changing strings
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=.services --no-obsolete

backup:    ## dump the database and uploaded files into backups/<timestamp>/
	bash scripts/backup.sh

restore:   ## restore a backup: make restore FROM=backups/<timestamp>
	bash scripts/restore.sh $(FROM)

.PHONY: bench bench-smoke

bench:     ## the benchmark at full scale (several minutes); figures in bench/results.md
	bash scripts/setup.sh && bash scripts/services.sh start && .venv/bin/python bench/run.py

bench-smoke:  ## a tiny run of the benchmark that checks correctness, not speed
	bash scripts/setup.sh && bash scripts/services.sh start && .venv/bin/python bench/run.py --smoke
