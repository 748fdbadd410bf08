from crawler.cli.main import cli

cli(prog_name="newsarchive")
