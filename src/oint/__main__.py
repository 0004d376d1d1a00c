from oint.cli.main import main

raise SystemExit(main())
