from machaudit.cli import entry

entry()
