/**
 * The command that opens the artifact view: one main-area tab, reused for
 * each artifact opened (like the run detail tab), restored with the layout.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { addView, showView } from '../placement';
import { runsIcon } from '../components/icons';
import { ArtifactClient } from './client';
import { CommandIDs } from '../ids';
import { IArtifactRef } from './types';
import { ArtifactWidget } from './view';

export type ArtifactTracker = WidgetTracker<MainAreaWidget<ArtifactWidget>>;

function refArg(args: ReadonlyPartialJSONObject): IArtifactRef {
  const project = String(args.project ?? '');
  const name = String(args.name ?? '');
  if (!project || !name) {
    throw new Error('open-artifact needs a project and a name');
  }
  const version = args.version ? String(args.version) : undefined;
  return { store: String(args.store ?? ''), project, name, version };
}

function titleOf(widget: MainAreaWidget<ArtifactWidget>): void {
  const ref = widget.content.ref;
  widget.title.label = `Artifact: ${ref.name}`;
  widget.title.caption = `${ref.project}/${ref.name}`;
}

export function registerArtifactCommand(
  app: JupyterFrontEnd,
  client: ArtifactClient,
  tracker: ArtifactTracker,
  openRunCommand: string
): void {
  const { commands, shell } = app;
  commands.addCommand(CommandIDs.openArtifact, {
    label: args =>
      args.name ? `Open Artifact ${String(args.name)}` : 'Open Artifact',
    icon: runsIcon,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          store: {
            type: 'string',
            description: "The store key ('' for the only store holding it)"
          },
          project: { type: 'string', description: "The artifact's project" },
          name: { type: 'string', description: "The artifact's name" },
          version: {
            type: 'string',
            description: 'v<n>, an alias or a digest (default: the latest)'
          }
        },
        required: ['project', 'name']
      }
    },
    execute: args => {
      const ref = refArg(args);
      const open = tracker.currentWidget;
      if (open && !open.isDisposed) {
        open.content.showArtifact(ref);
        showView(shell, open, false);
        return open;
      }
      const content = new ArtifactWidget({
        client,
        ref,
        onOpenRun: (store, id) =>
          void commands.execute(openRunCommand, { store, id })
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `nbrun-artifact-${Date.now()}`;
      widget.title.icon = runsIcon;
      widget.title.closable = true;
      titleOf(widget);
      content.refChanged.connect(() => {
        titleOf(widget);
        void tracker.save(widget);
      });
      void tracker.add(widget);
      showView(shell, widget, addView(shell, widget)); // Notebook 7: below the notebook
      return widget;
    }
  });
}
