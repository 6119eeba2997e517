from support_circle.cli import main

raise SystemExit(main())
