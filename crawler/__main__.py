from crawler.cli import cli

cli(prog_name="newsarchive")
