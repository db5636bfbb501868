from machaudit.cli import main

main()
