from crashpipe.cli import main

raise SystemExit(main())
